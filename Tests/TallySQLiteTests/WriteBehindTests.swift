import Foundation
import GRDB
import TallyTestSupport
import Testing

@testable import TallyCore
@testable import TallySQLite

/// The balances table follows behind the journal (docs/decisions/0009): a batch's commit writes
/// its journal entries, reads that show balances wait for the ledger checkpoint that covers
/// every answered write, and opening a database replays what a checkpoint did not yet cover.
@Suite(.serviceScope) struct WriteBehindTests {
    /// Eight clients, each with a member of its own, write +1 and then read the member's balance,
    /// 250 times each: every read shows every write the client was answered.
    @Test func aClientAlwaysReadsItsOwnWrite() async throws {
        let directory = try TemporaryDirectory()
        let store = ServiceScope.startForTest(try SQLiteLedgerStore(path: directory.path("tally.sqlite")))
        let realm = try await store.createRealm(name: "Pairs")
        let points = try await store.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
        var members = [Member]()
        for index in 0..<8 {
            members.append(try await store.createMember(Credentials(username: "m\(index)"), in: realm.id))
        }
        let pairs = 250
        let wrong = try await withThrowingTaskGroup(of: Int.self) { group in
            for member in members {
                group.addTask {
                    var wrong = 0
                    for written in 1...pairs {
                        _ = try await store.apply(
                            try Batch(realmID: realm.id, changes: [Change(memberID: member.id, amount: 1)]))
                        let details = try await store.memberDetails(member.id, in: realm.id)
                        if details.balances.first(where: { $0.currency.id == points.id })?.balance != Int64(written) {
                            wrong += 1
                        }
                    }
                    return wrong
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(wrong == 0, "\(wrong) of \(pairs * members.count) reads missed the client's own write")
        #expect(try await store.verify { _ in }.isClean)
    }

    /// A batch's commit leaves the balances table as it was; a database opened after that (as
    /// after a crash) replays the journal's tail into it, and verify finds the books whole.
    @Test func theTableFollowsBehindAndOpeningReplaysTheTail() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("tally.sqlite")
        let store = ServiceScope.startForTest(try SQLiteLedgerStore(path: path))
        let realm = try await store.createRealm(name: "Tail")
        _ = try await store.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
        let member = try await store.createMember(Credentials(username: "ann"), in: realm.id)
        for _ in 0..<5 {
            _ = try await store.apply(try Batch(realmID: realm.id, changes: [Change(memberID: member.id, amount: 3)]))
        }
        let raw = { (path: String) in
            try DatabaseQueue(path: path).read { db in
                (
                    try Int64.fetchOne(
                        db, sql: "SELECT balance FROM balances WHERE member_id = ?", arguments: [member.id.rawValue]),
                    try Int64.fetchOne(db, sql: "SELECT seq FROM ledger_checkpoint"),
                    try Int64.fetchOne(db, sql: "SELECT max(seq) FROM journal")
                )
            }
        }
        let before = try raw(path)
        #expect(before.0 == nil, "a batch's commit wrote the balances table")
        #expect(before.1 == 0 && before.2 == 5)

        // Another store on the same file (a restarted server) replays the tail when it opens.
        let reopened = ServiceScope.startForTest(try SQLiteLedgerStore(path: path))
        let after = try raw(path)
        #expect(after.0 == 15 && after.1 == 5)
        #expect(try await reopened.verify { _ in }.isClean)
        #expect(
            try await store.balance(
                BalanceKey(currencyID: reopened.currencies(in: realm.id)[0].id, memberID: member.id), in: realm.id)
                == 15)
    }

    /// verify reads the entries the checkpoint covers through the member index and the tail after
    /// it from the journal: with a tail in its snapshot it checks every entry and finds the books
    /// whole; a member index that lost a row is reported.
    @Test func verifyWalksTheIndexAndTheTailAndCatchesALostIndexRow() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("tally.sqlite")
        let store = ServiceScope.startForTest(try SQLiteLedgerStore(path: path))
        let realm = try await store.createRealm(name: "Walk")
        let points = try await store.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
        let ann = try await store.createMember(Credentials(username: "ann"), in: realm.id)
        let bob = try await store.createMember(Credentials(username: "bob"), in: realm.id)
        let batch = { (amount: Int64) in
            try Batch(
                realmID: realm.id,
                changes: [Change(memberID: ann.id, amount: amount), Change(memberID: bob.id, amount: amount * 2)])
        }
        for amount in 1...3 { _ = try await store.apply(try batch(Int64(amount))) }
        // A read settles: the checkpoint covers these six entries; four more stay in the tail.
        #expect(try await store.balance(BalanceKey(currencyID: points.id, memberID: ann.id), in: realm.id) == 6)
        for amount in 4...5 { _ = try await store.apply(try batch(Int64(amount))) }
        let raw = try DatabaseQueue(path: path)
        let (covered, tail, report) = try await raw.read { db in
            (
                try LedgerCheckpoint.coveredSequence(db), try LedgerCheckpoint.tail(db).count,
                try SQLiteLedgerStore.verify(db) { _ in }
            )
        }
        #expect(covered == 6 && tail == 2, "six entries covered, two balances in the tail")
        #expect(report.isClean, "\(report.violations)")
        #expect(report.entriesChecked == 10)

        try await raw.write { db in try db.execute(sql: "DELETE FROM member_journal WHERE seq = 3") }
        let broken = try await raw.read { db in try SQLiteLedgerStore.verify(db) { _ in } }
        #expect(broken.violations.map(\.kind).contains(.indexMismatch))
    }
}
