import TallyCore

/// Time as the store's clock tells it: every record is stamped with it, and idempotency records
/// are pruned exactly at the cutoff they are given.
enum TimeCases {
    /// 2027-01-15T08:00:00.123Z: a time no wall clock of a test run shows, with milliseconds.
    static let start = TallyClock.Instant(millisecondsSince1970: 1_800_000_000_123)
    static let hour = Duration.seconds(3_600)

    static let all: [LedgerStoreConformance.Case] = [
        .init(name: "every record is stamped with the store's clock, to the millisecond") { factory in
            let time = TallyClock.Manual(start)
            let store = try await factory(clock: time.clock)
            let realm = try await store.createRealm(name: "Clocked")
            try expectEqual(realm.createdAtMilliseconds, start.millisecondsSince1970, "realm")
            time.advance(by: .milliseconds(1))
            let points = try await store.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
            try expectEqual(points.createdAtMilliseconds, start.millisecondsSince1970 + 1, "currency")
            time.advance(by: hour)
            let member = try await store.createMember(Credentials(username: "clocked"), in: realm.id)
            try expectEqual(member.createdAtMilliseconds, time.now.millisecondsSince1970, "member")
            time.advance(by: .milliseconds(999))
            _ = try await store.apply(try Batch(realmID: realm.id, changes: [Change(memberID: member.id, amount: 5)]))
            let entries = try await store.journal(of: member.id, in: realm.id, before: nil, limit: 1).entries
            try expectEqual(entries.map(\.createdAtMilliseconds), [time.now.millisecondsSince1970], "journal entry")
        },
        .init(name: "pruning removes exactly the idempotency records created before the cutoff") { factory in
            // Records made at t0, t0 + 1 h, t0 + 24 h - 1 ms and t0 + 24 h, by the store's clock.
            let time = TallyClock.Manual(start)
            let f = try await Fixture.make(factory, clock: time.clock)
            let made: [Duration] = [.zero, hour, hour * 24 - .milliseconds(1), hour * 24]
            for (index, offset) in made.enumerated() {
                time.advance(to: start.advanced(by: offset))
                _ = try await f.store.perform(.apply(try f.batch([(0, 1)])), idempotency: try claim(index))
            }
            // Each cutoff is a record's own time (that record stays) or a millisecond past it (it goes).
            let steps: [(cutoff: Duration, removed: Int, kept: [Bool])] = [
                (.zero, 0, [true, true, true, true]),
                (.milliseconds(1), 1, [false, true, true, true]),
                (hour, 0, [false, true, true, true]),
                (hour + .milliseconds(1), 1, [false, false, true, true]),
                (hour * 24 - .milliseconds(1), 0, [false, false, true, true]),
                (hour * 24, 1, [false, false, false, true]),
                (hour * 24 + .milliseconds(1), 1, [false, false, false, false]),
            ]
            for step in steps {
                let cutoff = start.advanced(by: step.cutoff).millisecondsSince1970
                let removed = try await f.store.pruneIdempotencyRecords(before: cutoff, limit: 1_000)
                try expectEqual(removed, step.removed, "records removed at cutoff t0 + \(step.cutoff)")
                for (index, kept) in step.kept.enumerated() {
                    try expectEqual(
                        try await isRemembered(index, f), kept, "record \(index) after cutoff t0 + \(step.cutoff)")
                }
            }
            try expectEqual(try await f.balance(0), 4, "each write applied once")
        },
    ]

    /// The claim of the record made at `made[index]`.
    static func claim(_ index: Int) throws -> IdempotencyClaim {
        try IdempotencyCases.claim("at-\(index)", request: "batch \(index)")
    }

    /// Whether the store still remembers record `index`, asked without changing anything: the
    /// same claim on a write that must fail replays while the record exists, and otherwise fails
    /// and stores nothing.
    static func isRemembered(_ index: Int, _ f: Fixture) async throws -> Bool {
        do {
            let outcome = try await f.store.perform(.apply(try f.batch([(1, -1)])), idempotency: try claim(index))
            guard case .replayed = outcome else { throw ConformanceFailure("an overdraft was performed") }
            return true
        } catch let error as TallyError where error.code == .insufficientBalance {
            return false
        }
    }
}
