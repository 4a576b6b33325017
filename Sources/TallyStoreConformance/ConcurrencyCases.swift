import TallyCore

/// Many writers at once: nothing lost, nothing invented.
enum ConcurrencyCases {
    static let all: [LedgerStoreConformance.Case] = [
        .init(name: "overlapping batches from many tasks: balances equal the acknowledged changes") { factory in
            let f = try await Fixture.make(factory, members: 8)
            // As many tasks as a PostgreSQL test store has connections: more would only queue for
            // one, and under a loaded run outwait the pool's bounded wait (a 503 by design).
            let tasks = 8
            let batchesPerTask = 50
            // Each task sends batches over overlapping members, some of which must fail (they
            // overdraw member 7, which never receives points), to mix rejections into the load.
            let acknowledged = try await withThrowingTaskGroup(of: [Int: Int64].self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        var sums = [Int: Int64]()
                        for round in 0..<batchesPerTask {
                            var changes = [(Int, Int64)]()
                            for step in 0..<4 {
                                changes.append(
                                    ((task + round + step) % 7, Int64(1 + (task * 31 + round * 7 + step) % 13)))
                            }
                            if round % 5 == 4 { changes.append((7, -1)) }
                            do {
                                _ = try await f.store.apply(try f.batch(changes))
                                for (member, amount) in changes { sums[member, default: 0] += amount }
                            } catch let error as TallyError where error.code == .insufficientBalance {
                                continue
                            }
                        }
                        return sums
                    }
                }
                var total = [Int: Int64]()
                for try await sums in group { total.merge(sums, uniquingKeysWith: +) }
                return total
            }
            for member in 0..<8 {
                try expectEqual(try await f.balance(member), acknowledged[member] ?? 0, "member \(member) balance")
            }
            try expectEqual(try await f.balance(7), 0, "every overdraft was rejected whole")
            try await f.expectClean()
        }
    ]
}
