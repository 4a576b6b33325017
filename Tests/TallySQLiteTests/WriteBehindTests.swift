import Foundation
import GRDB
import Logging
import TallyTestSupport
import Testing

@testable import TallyCore
@testable import TallySQLite

/// The balance file follows the journal (docs/decisions/0009): a batch's commit writes its
/// journal entries, reads that show balances wait for the balance file to cover every answered
/// write, and opening a database brings the file up to the journal.
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

    /// Copies a balance file (a consistent copy, through SQLite's backup API).
    private static func copyBalanceFile(from source: String, to target: String) throws {
        let manager = FileManager.default
        for suffix in ["", "-wal", "-shm"] where manager.fileExists(atPath: target + suffix) {
            try manager.removeItem(atPath: target + suffix)
        }
        let copy = try DatabaseQueue(path: target)
        try DatabaseQueue(path: source).backup(to: copy)
        try copy.close()
    }

    /// Writes 3 points to ann `count` times with a store that stops (gracefully) afterwards.
    private static func write(_ count: Int, at path: String) async throws -> (RealmID, MemberID, CurrencyID) {
        try await ServiceScope.with { scope in
            let store = scope.start(try SQLiteLedgerStore(path: path))
            var realm = try await store.realms().first
            if realm == nil { realm = try await store.createRealm(name: "Tail") }
            guard let realm else { throw TallyError.unavailable }
            var points = try await store.currencies(in: realm.id).first
            if points == nil {
                points = try await store.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
            }
            guard let points else { throw TallyError.unavailable }
            var member = try await store.members(in: realm.id, limit: 10).first
            if member == nil { member = try await store.createMember(Credentials(username: "ann"), in: realm.id) }
            guard let member else { throw TallyError.unavailable }
            for _ in 0..<count {
                _ = try await store.apply(
                    try Batch(realmID: realm.id, changes: [Change(memberID: member.id, amount: 3)]))
            }
            return (realm.id, member.id, points.id)
        }
    }

    /// The balance file may stand behind the journal (a crash between a commit and the follower's
    /// next transaction): a store that opens it brings it up to the journal before it serves,
    /// and verify finds the books whole.
    @Test func openingBringsABalanceFileThatStandsBehindUpToTheJournal() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("tally.sqlite")
        _ = try await Self.write(2, at: path)
        let behind = directory.path("behind")
        try Self.copyBalanceFile(from: BalanceFile.path(for: path), to: behind)
        let (realm, member, points) = try await Self.write(3, at: path)
        try Self.copyBalanceFile(from: behind, to: BalanceFile.path(for: path))
        let covered = try await DatabaseQueue(path: BalanceFile.path(for: path)).read { db in
            try BalanceFile.covered(db).seq
        }
        let journal = try await DatabaseQueue(path: path).read { db in
            try Int64.fetchOne(db, sql: "SELECT max(seq) FROM journal")
        }
        #expect(covered < journal ?? 0, "the balance file put back stands behind the journal")

        let reopened = ServiceScope.startForTest(try SQLiteLedgerStore(path: path))
        #expect(reopened.follower.covered == journal)
        #expect(try await reopened.balance(BalanceKey(currencyID: points, memberID: member), in: realm) == 15)
        #expect(try await reopened.verify { _ in }.isClean)
    }

    /// A balance file that belongs to another database (or to a copy of this one that went
    /// another way) is emptied and rebuilt from the journal, never laid over it.
    @Test func aBalanceFileOfAnotherDatabaseIsRebuilt() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("tally.sqlite")
        let other = directory.path("other.sqlite")
        let (realm, member, points) = try await Self.write(4, at: path)
        _ = try await Self.write(9, at: other)
        try Self.copyBalanceFile(from: BalanceFile.path(for: other), to: BalanceFile.path(for: path))

        let reopened = ServiceScope.startForTest(try SQLiteLedgerStore(path: path))
        #expect(try await reopened.balance(BalanceKey(currencyID: points, memberID: member), in: realm) == 12)
        #expect(try await reopened.verify { _ in }.isClean)
    }

    /// verify reads the entries the balance file covers through the member index and the tail
    /// after it from the journal: with a tail in its snapshot it checks every entry and finds the
    /// books whole; a member index that lost a row is reported.
    @Test func verifyWalksTheIndexAndTheTailAndCatchesALostIndexRow() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("tally.sqlite")
        _ = try await Self.write(3, at: path)
        let behind = directory.path("behind")
        try Self.copyBalanceFile(from: BalanceFile.path(for: path), to: behind)
        _ = try await Self.write(2, at: path)
        try Self.copyBalanceFile(from: behind, to: BalanceFile.path(for: path))

        var configuration = Configuration()
        configuration.prepareDatabase { db in try BalanceFile.attach(db, path: BalanceFile.path(for: path)) }
        let raw = try DatabaseQueue(path: path, configuration: configuration)
        let (covered, tail, report) = try await raw.read { db in
            let covered = try BalanceFile.covered(db).seq
            return (covered, try BalanceFile.tail(db, after: covered).count, try SQLiteLedgerStore.verify(db) { _ in })
        }
        #expect(covered == 3 && tail == 1, "three entries covered, one balance in the tail")
        #expect(report.isClean, "\(report.violations)")
        #expect(report.entriesChecked == 5)

        try await DatabaseQueue(path: BalanceFile.path(for: path)).write { db in
            try db.execute(sql: "DELETE FROM member_journal WHERE seq = 2")
        }
        let broken = try await raw.read { db in try SQLiteLedgerStore.verify(db) { _ in } }
        #expect(broken.violations.map(\.kind).contains(.indexMismatch))
    }

    /// Two stores on one file (a command beside a server): a batch after the other store's write
    /// plans from the balance that write left, without waiting for a follower that would
    /// otherwise gather entries for a minute before covering them.
    @Test func aWriteAfterAnotherStoresWritePlansFromItPromptly() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("tally.sqlite")
        let first = ServiceScope.startForTest(
            try SQLiteLedgerStore(
                path: path, durability: .full, clock: .system, ids: nil, logger: Logger(label: "tally.tests.first"),
                checkpointing: .standard, followerDelayMax: .seconds(60)))
        let realm = try await first.createRealm(name: "Beside")
        _ = try await first.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
        let member = try await first.createMember(Credentials(username: "ann"), in: realm.id)
        let plus = { (amount: Int64) in
            try Batch(realmID: realm.id, changes: [Change(memberID: member.id, amount: amount)])
        }
        _ = try await first.apply(try plus(10))

        let second = ServiceScope.startForTest(try SQLiteLedgerStore(path: path))
        _ = try await second.apply(try plus(5))

        // A writer that waited for the follower's own pace (a minute here) would give up after
        // its 10 s bound and answer UNAVAILABLE, which fails this call.
        let receipt = try await first.apply(try plus(1))
        #expect(receipt.changes[0].balanceBefore == 15, "the first store planned from what it remembered")
        #expect(try await first.verify { _ in }.isClean)
    }

    /// A load's balances are not written (the balance file derives them from the journal), so
    /// one that its entries do not leave is refused whole rather than silently replaced; the
    /// same records with the right balance load and verify.
    @Test func aLoadedBalanceThatItsEntriesDoNotLeaveIsRefused() async throws {
        let directory = try TemporaryDirectory()
        let source = ServiceScope.startForTest(try SQLiteLedgerStore(path: directory.path("source.sqlite")))
        let realm = try await source.createRealm(name: "Source")
        let points = try await source.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
        let member = try await source.createMember(Credentials(username: "ann"), in: realm.id)
        _ = try await source.apply(try Batch(realmID: realm.id, changes: [Change(memberID: member.id, amount: 5)]))
        let entries = try await source.journal(of: member.id, in: realm.id, limit: 10)
        #expect(entries.map(\.balanceAfter) == [5])

        let target = ServiceScope.startForTest(try SQLiteLedgerStore(path: directory.path("target.sqlite")))
        let records = { (balance: Int64) in
            ChunkList([
                .realm(Lined(realm, line: 2)), .currencies([Lined(points, line: 3)]),
                .members([Lined(member, line: 4)]), .entries(entries.map { Lined($0, line: 5) }),
                .balances([
                    Lined(
                        StoredBalance(
                            realmID: realm.id, memberID: member.id, currencyID: points.id, balance: balance,
                            updatedAtMilliseconds: 0), line: 6)
                ]),
            ])
        }
        let refused = await #expect(throws: TallyError.self) { _ = try await target.load(records(6)) }
        #expect(refused?.message.contains("is 6 in the file, but its journal entries leave 5") == true)
        #expect(try await target.realms().isEmpty, "nothing of the refused load stays")
        _ = try await target.load(records(5))
        #expect(try await target.balance(BalanceKey(currencyID: points.id, memberID: member.id), in: realm.id) == 5)
        #expect(try await target.verify { _ in }.isClean)
    }
}

/// Chunks given in advance, as a load source.
final class ChunkList: LoadSource, @unchecked Sendable {
    private var chunks: [LoadChunk]
    init(_ chunks: [LoadChunk]) { self.chunks = chunks }
    func next() throws -> LoadChunk? { chunks.isEmpty ? nil : chunks.removeFirst() }
}
