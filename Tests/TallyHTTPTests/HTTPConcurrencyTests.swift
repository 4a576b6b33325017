import Foundation
import HummingbirdTesting
import TallyCore
import TallyTestSupport
import Testing

/// Many clients send overlapping batches at once; afterwards every balance equals the sum of the
/// acknowledged changes and verify finds the books balanced.
@Suite(.serviceScope) struct HTTPConcurrencyTests {
    @Test(arguments: Backend.all) func overlappingBatchesLoseAndInventNothing(_ backend: Backend) async throws {
        // A pooled connection for each of the twelve clients: a realm's commits run one at a time
        // past its event counter, and under a loaded run twelve requests queued on four
        // connections outwaited the pool's bounded 5 s wait (a 503 by design, not what this checks).
        let h = try await HTTPHarness.make(backend, limits: .standard, poolSize: 12)
        defer { h.cleanUp() }
        let members = h.members.map(\.id.rawValue)
        let acknowledged = try await h.test { client in
            try await withThrowingTaskGroup(of: [Int: Int64].self) { group in
                for task in 0..<12 {
                    group.addTask {
                        var sums = [Int: Int64]()
                        for round in 0..<30 {
                            // Overlapping members in varying order; every fourth batch tries to take
                            // more than member 2 can have and must be rejected whole.
                            var changes = [(Int, Int64)]()
                            for step in 0..<5 {
                                changes.append(((task + round + step) % 2, Int64(1 + (task + step) % 5)))
                            }
                            if round % 4 == 3 { changes.append((2, -1_000_000)) } else { changes.append((2, 1)) }
                            let json =
                                #"{"updates":["#
                                + changes.map { #"{"dripId":"\#(members[$0.0])","amount":\#($0.1)}"# }.joined(
                                    separator: ",")
                                + #"],"initiatorId":"task-\#(task)"}"#
                            let response = try await client.patch(h.batchPath, key: h.key, json: json)
                            if response.status == .ok {
                                for (member, amount) in changes { sums[member, default: 0] += amount }
                            } else {
                                try expectFailure(response, .badRequest, "INSUFFICIENT_BALANCE")
                            }
                        }
                        return sums
                    }
                }
                var total = [Int: Int64]()
                for try await sums in group { total.merge(sums, uniquingKeysWith: +) }
                return total
            }
        }
        for member in 0..<3 {
            #expect(try await h.balance(member) == acknowledged[member] ?? 0, "member \(member)")
        }
        #expect((acknowledged[2] ?? 0) > 0)
        let report = try await h.store.verify { _ in }
        #expect(report.isClean)
        #expect(report.entriesChecked > 0)
    }
}
