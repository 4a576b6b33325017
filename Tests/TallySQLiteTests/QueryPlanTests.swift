import Foundation
import GRDB
import TallyCore
import TallyTestSupport
import Testing

@testable import TallySQLite

/// The reads a page makes find their rows by key, as SQLite plans them with no statistics (Tally
/// never runs ANALYZE): a read that starts from every balance of a realm costs tens of
/// milliseconds at 1,000,000 members (docs/decisions/0011-kept-counts.md, docs/BENCHMARKS.md).
@Suite(.serviceScope) struct QueryPlanTests {
    /// The plan of `statement`, one detail line per step, on a connection of the database at
    /// `path` with its balance file attached as the store attaches it.
    static func plan(_ statement: SQLStatement, databaseAt path: String) throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            try BalanceFile.attach(db, path: BalanceFile.path(for: path))
            return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + statement.text, arguments: statement.arguments)
                .map { $0["detail"] as String }
        }
    }

    @Test func aMembersBalancesAndTheLeaderboardsCountsAreReadByKey() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("tally.sqlite")
        let store = ServiceScope.startForTest(try SQLiteLedgerStore(path: path))
        let realm = try await store.createRealm(name: "Plans")
        let points = try await store.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
        var members = [Member]()
        for index in 0..<20 {
            members.append(try await store.createMember(Credentials(username: "m\(index)"), in: realm.id))
        }
        _ = try await store.apply(
            try Batch(realmID: realm.id, changes: members.map { Change(memberID: $0.id, amount: 5) }))
        _ = try await store.leaderboard(in: realm.id, currency: nil, after: nil, take: 1)

        let held = try Self.plan(
            SQLiteLedgerStore.statements.heldBalances(ofIDs: [members[3].id], in: realm.id), databaseAt: path)
        #expect(
            held.contains { $0.hasPrefix("SEARCH b USING PRIMARY KEY (realm_id=? AND currency_id=? AND member_id=?)") },
            "each balance by its whole key: \(held)")
        #expect(!held.contains { $0.contains("balances_leaderboard") }, "not a walk of the leaderboard: \(held)")

        let counts = try Self.plan(
            SQLiteLedgerStore.statements.leaderboardCounts(in: realm.id, currency: points.id, around: 5),
            databaseAt: path)
        #expect(counts.contains { $0.contains("members_ghosts") }, "ghost holders from their index: \(counts)")
        #expect(
            counts.contains { $0.contains("balances_leaderboard") && $0.contains("balance>") },
            "ranks from the range above the anchor: \(counts)")
        // Only the three one-row results are scanned.
        #expect(
            counts.filter { $0.hasPrefix("SCAN") } == ["SCAN e", "SCAN a", "SCAN g"], "no table scanned: \(counts)")
    }
}
