import Foundation
import Synchronization
import TallyCore
import TallyPostgres
import TallyTestSupport
import Testing

/// The feed with two stores ("servers") on one database: writes through both, some rejected,
/// while a reader pages the feed; the reader never sees a gap, a repeat, or an event arrive behind
/// its cursor (docs/SCALING.md).
@Suite struct EventFeedTests {
    @Test(.enabled(if: PostgresServer.available, "PostgreSQL is not installed"))
    func aReaderPagingDuringWritesOnTwoStoresSeesNoGapAndNoRepeat() async throws {
        guard let server = try await PostgresServer.shared() else { return }
        let url = try await server.makeDatabase()
        try await ServiceScope.with { scope in
            let first = scope.start(
                try PostgresLedgerStore(
                    url: url, poolSize: 6, logger: PostgresServer.storeLogger,
                    connectionWait: PostgresServer.connectionWait))
            let second = scope.start(
                try PostgresLedgerStore(
                    url: url, poolSize: 6, logger: PostgresServer.storeLogger,
                    connectionWait: PostgresServer.connectionWait))
            try await Self.readWhileWriting(first, second)
        }
        await server.dropDatabase(url)
    }

    static let writersPerStore = 4
    static let writesPerWriter = 40

    /// The test itself, with both stores running.
    static func readWhileWriting(_ first: PostgresLedgerStore, _ second: PostgresLedgerStore) async throws {
        let realm = try await first.createRealm(name: "Feed")
        _ = try await first.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
        var members = [Member]()
        for index in 0..<6 {
            members.append(try await first.createMember(Credentials(username: "m\(index)"), in: realm.id))
        }
        let setupEvents = Int64(1 + members.count)
        let ids = members.map(\.id)
        let writing = Flag()

        async let reader: [Int64] = {
            // Pages of a few events, as fast as they come; each page must continue the last.
            var seen = [Int64]()
            var after: Int64 = 0
            while true {
                let stillWriting = writing.value.load(ordering: .acquiring)
                let page = try await (seen.count.isMultiple(of: 2) ? first : second).events(
                    in: realm.id, after: after, limit: 7, types: nil)
                seen += page.map(\.sequence)
                after = page.last?.sequence ?? after
                if page.isEmpty && !stillWriting { return seen }
            }
        }()

        let committed = try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<(2 * Self.writersPerStore) {
                let store = writer < Self.writersPerStore ? first : second
                group.addTask {
                    var done = 0
                    for step in 0..<Self.writesPerWriter {
                        let member = ids[(writer + step) % ids.count]
                        // Every seventh write overdraws and is rejected: it must leave no gap.
                        let amount: Int64 = (writer + step).isMultiple(of: 7) ? -1_000_000 : 1
                        do {
                            _ = try await store.apply(
                                try Batch(realmID: realm.id, changes: [Change(memberID: member, amount: amount)]))
                            done += 1
                        } catch let error as TallyError where error.code == .insufficientBalance {}
                    }
                    return done
                }
            }
            var total = 0
            for try await done in group { total += done }
            return total
        }
        writing.value.store(false, ordering: .releasing)
        let seen = try await reader

        let expected = Array(1...(setupEvents + Int64(committed)))
        #expect(committed > 0 && committed < 2 * Self.writersPerStore * Self.writesPerWriter, "both outcomes")
        #expect(seen == expected, "the reader saw every event once, in order, with no gap")
        let all = try await first.events(in: realm.id, after: setupEvents, limit: 10_000, types: nil)
        #expect(all.count == committed && all.allSatisfy { $0.type == .pointsAwarded }, "one event per committed write")
    }
}

/// Whether the writers are still writing, shared with the reader.
private final class Flag: Sendable {
    let value = Atomic<Bool>(true)
}
