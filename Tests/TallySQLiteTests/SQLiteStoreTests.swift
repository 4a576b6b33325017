import Foundation
import GRDB
import Logging
import TallyStoreConformance
import TallyTestSupport
import Testing

@testable import TallyCore
@testable import TallySQLite

/// What only the SQLite store can show: durability settings, the file's exact contents after a
/// rejection, the schema's own guards, and verify catching tampering done behind its back.
@Suite(.serviceScope) struct SQLiteStoreTests {
    struct Setup {
        let directory: TemporaryDirectory
        let path: String
        let store: SQLiteLedgerStore
        let realm: Realm
        let points: Currency
        let members: [Member]

        init(
            durability: SQLiteDurability = .full, checkpointing: WALCheckpointer.Policy = .standard,
            clock: TallyClock = .system
        ) async throws {
            directory = try TemporaryDirectory()
            path = directory.path("tally.sqlite")
            store = ServiceScope.startForTest(
                try SQLiteLedgerStore(
                    path: path, durability: durability, clock: clock, ids: nil, logger: Logger(label: "test"),
                    checkpointing: checkpointing))
            realm = try await store.createRealm(name: "Test")
            points = try await store.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
            var members = [Member]()
            for name in ["a", "b"] {
                members.append(try await store.createMember(Credentials(username: name), in: realm.id))
            }
            self.members = members
        }

        func batch(_ changes: [(Int, Int64)]) throws -> Batch {
            try Batch(realmID: realm.id, changes: changes.map { Change(memberID: members[$0.0].id, amount: $0.1) })
        }

        /// Every row of every table, in a fixed order: the database's logical content.
        /// A connection of its own to the database, with the balance file attached (read-write).
        func connection() throws -> DatabaseQueue {
            var configuration = Configuration()
            configuration.prepareDatabase { [path] db in
                try db.execute(sql: "ATTACH DATABASE ? AS ledger", arguments: [BalanceFile.path(for: path)])
            }
            return try DatabaseQueue(path: path, configuration: configuration)
        }

        /// Every row of every table, once the balance file covers every write answered so far.
        func dump() async throws -> [String] {
            try await store.committer.settle()
            let queue = try connection()
            return try await queue.read { db in
                var lines = [String]()
                for table in ["realms", "currencies", "members", "balances", "journal", "api_keys", "grdb_migrations"] {
                    lines += try Row.fetchAll(db, sql: "SELECT * FROM \(table)").map { "\(table): \($0)" }.sorted()
                }
                return lines
            }
        }

        func tamper(_ sql: String) throws {
            let queue = try connection()
            try queue.write { db in try db.execute(sql: sql) }
        }
    }

    @Test func commitsAreDurableByDefault() async throws {
        #expect(try await Setup().store.writerSynchronousSetting() == 2)  // FULL
        #expect(try await Setup(durability: .normal).store.writerSynchronousSetting() == 1)
    }

    @Test(arguments: [
        [(0, Int64(5)), (1, -1)],  // insufficient balance on the last change
        [(0, Int64.max), (0, 1)],  // overflow
    ])
    func aRejectedBatchLeavesTheDatabaseExactlyAsItWas(changes: [(Int, Int64)]) async throws {
        let setup = try await Setup()
        _ = try await setup.store.apply(try setup.batch([(0, 1)]))
        let before = try await setup.dump()
        await #expect(throws: TallyError.self) { _ = try await setup.store.apply(try setup.batch(changes)) }
        #expect(try await setup.dump() == before)
    }

    @Test func theJournalRefusesUpdatesAndDeletes() async throws {
        let setup = try await Setup()
        _ = try await setup.store.apply(try setup.batch([(0, 10)]))
        #expect(throws: DatabaseError.self) { try setup.tamper("UPDATE journal SET amount = 11") }
        #expect(throws: DatabaseError.self) { try setup.tamper("DELETE FROM journal") }
        #expect(try await setup.store.verify { _ in }.isClean)
    }

    @Test func theSchemaRefusesAJournalEntryWhoseArithmeticIsWrong() async throws {
        let setup = try await Setup()
        let m = setup.members[0].id.rawValue, r = setup.realm.id.rawValue, c = setup.points.id.rawValue
        #expect(throws: DatabaseError.self) {
            try setup.tamper(
                """
                INSERT INTO journal (id, realm_id, member_id, currency_id, amount, balance_before, balance_after, batch_id, kind, created_at)
                VALUES ('aaaaaaaaaaaaaaaaaaaaaaaa', '\(r)', '\(m)', '\(c)', 5, 0, 6, 'bbbbbbbbbbbbbbbbbbbbbbbb', 'batch', 0)
                """)
        }
    }

    /// A database made before ghost credentials (schema 0001, with entries) opens with the new
    /// code: its entries stay, the journal accepts `link` entries and still refuses unknown kinds.
    @Test func aDatabaseFromBeforeGhostCredentialsUpgradesInPlace() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("old.sqlite")
        let old = try DatabaseQueue(path: path)
        try SQLiteMigrations.migrator().migrate(old, upTo: "0001-foundation")
        try await old.write { db in
            try db.execute(
                sql: """
                    INSERT INTO realms VALUES ('aaaaaaaaaaaaaaaaaaaaaaaa', 'Old', '', NULL, 0, 0);
                    INSERT INTO currencies (realm_id, id, name, is_default, created_at, updated_at)
                        VALUES ('aaaaaaaaaaaaaaaaaaaaaaaa', 'cccccccccccccccccccccccc', 'Points', 1, 0, 0);
                    INSERT INTO members (realm_id, id, username, created_at, updated_at)
                        VALUES ('aaaaaaaaaaaaaaaaaaaaaaaa', 'dddddddddddddddddddddddd', 'old', 0, 0);
                    INSERT INTO balances VALUES ('aaaaaaaaaaaaaaaaaaaaaaaa', 'cccccccccccccccccccccccc', 'dddddddddddddddddddddddd', 7, 0);
                    INSERT INTO journal (id, realm_id, member_id, currency_id, amount, balance_before, balance_after,
                        batch_id, kind, created_at)
                    VALUES ('eeeeeeeeeeeeeeeeeeeeeeee', 'aaaaaaaaaaaaaaaaaaaaaaaa', 'dddddddddddddddddddddddd',
                        'cccccccccccccccccccccccc', 7, 0, 7, 'ffffffffffffffffffffffff', 'batch', 0);
                    """)
        }
        try old.close()

        let store = ServiceScope.startForTest(try SQLiteLedgerStore(path: path))
        let realm = RealmID(canonical: "aaaaaaaaaaaaaaaaaaaaaaaa")
        let member = MemberID(canonical: "dddddddddddddddddddddddd")
        #expect(try await store.verify { _ in }.isClean)
        #expect(try await store.memberDetails(member, in: realm).balances.map(\.balance) == [7])
        let identity = try CredentialIdentity(kind: .email, value: "late@example.com")
        _ = try await store.perform(
            .credential(
                .change(try CredentialBatch(realmID: realm, changes: [CredentialChange(identity: identity, amount: 3)]))
            ),
            idempotency: nil)
        _ = try await store.perform(
            .credential(.link(identity, to: member, realm: realm, initiatorID: nil)), idempotency: nil)
        #expect(try await store.memberDetails(member, in: realm).balances.map(\.balance) == [10])
        #expect(try await store.journal(of: member, in: realm, limit: 5).first?.kind == .link)
        #expect(try await store.verify { _ in }.isClean)
        let reopened = try DatabaseQueue(path: path)
        let integrity = try await reopened.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
        #expect(integrity == "ok")
        #expect(throws: DatabaseError.self) {
            try reopened.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO journal (id, realm_id, member_id, currency_id, amount, balance_before, balance_after,
                            batch_id, kind, created_at)
                        VALUES ('111111111111111111111111', 'aaaaaaaaaaaaaaaaaaaaaaaa', 'dddddddddddddddddddddddd',
                            'cccccccccccccccccccccccc', 1, 10, 11, 'ffffffffffffffffffffffff', 'gift', 0)
                        """)
            }
        }
    }

    @Test func verifyReportsABalanceChangedBehindTheJournalsBack() async throws {
        let setup = try await Setup()
        _ = try await setup.store.apply(try setup.batch([(0, 10), (1, 4)]))
        // A read that shows a balance waits for the balance file to cover the batch.
        #expect(
            try await setup.store.balance(
                BalanceKey(currencyID: setup.points.id, memberID: setup.members[0].id), in: setup.realm.id) == 10)
        try setup.tamper("UPDATE balances SET balance = 11 WHERE member_id = '\(setup.members[0].id)'")
        let report = try await setup.store.verify { _ in }
        #expect(Set(report.violations.map(\.kind)) == [.journalSumMismatch, .lastEntryMismatch])
        #expect(report.violations.allSatisfy { $0.memberID == setup.members[0].id.rawValue })
        #expect(report.entriesChecked == 2)
    }

    /// The figures kept as writes commit (decision 0011) are checked against counts of their rows.
    @Test func verifyReportsAKeptCountThatDiffersFromItsRows() async throws {
        let setup = try await Setup()
        _ = try await setup.store.apply(try setup.batch([(0, 10), (1, 4)]))
        _ = try await setup.store.apply(try setup.batch([(0, -3)]))
        #expect(try await setup.store.verify { _ in }.isClean)
        try setup.tamper(
            """
            UPDATE realm_counts SET members = members + 1;
            UPDATE ledger.holder_counts SET holders = 7;
            UPDATE ledger.activity SET debited = debited + 5;
            """)
        let report = try await setup.store.verify { _ in }
        #expect(report.violations.allSatisfy { $0.kind == .keptCountMismatch }, "\(report.violations)")
        let messages = report.violations.map(\.message).sorted()
        #expect(
            messages == [
                "The kept member count is 3, but the rows count 2.",
                "The kept number of balances is 7, but the rows count 2.",
                "The kept points taken is 8, but the rows count 3.",
            ], "\(messages)")
    }

    @Test func verifyReportsAnUnexplainedBalanceAndABrokenFloor() async throws {
        let setup = try await Setup()
        try setup.tamper(
            """
            INSERT INTO balances (realm_id, currency_id, member_id, balance, updated_at)
            VALUES ('\(setup.realm.id)', '\(setup.points.id)', '\(setup.members[1].id)', -3, 0)
            """)
        let kinds = Set(try await setup.store.verify { _ in }.violations.map(\.kind))
        #expect(kinds == [.journalSumMismatch, .belowMinimum])
    }

    /// Rows of no realm: foreign keys refuse them, so they are written with the keys off.
    @Test func verifyReportsRowsThatPointAtNothing() async throws {
        let setup = try await Setup()
        let lost = "ffffffffffffffffffffffff"
        try await DatabaseQueue(path: setup.path).writeWithoutTransaction { db in
            try db.execute(
                sql: """
                    PRAGMA foreign_keys = OFF;
                    INSERT INTO members (realm_id, id, created_at, updated_at) VALUES ('\(lost)', '\(lost)', 0, 0);
                    INSERT INTO currencies (realm_id, id, name, created_at, updated_at)
                    VALUES ('\(lost)', 'eeeeeeeeeeeeeeeeeeeeeeee', 'Lost', 0, 0);
                    """)
        }
        let violations = try await setup.store.verify { _ in }.violations
        #expect(violations.map(\.kind) == [.orphanRow, .orphanRow])
        #expect(
            violations.map(\.message)
                == ["member", "currency"].map { "A \($0) refers to a realm, member or currency that does not exist." })
        #expect(violations[0].memberID == lost && violations[0].currencyID == nil)
        #expect(violations[1].memberID == nil && violations[1].currencyID == "eeeeeeeeeeeeeeeeeeeeeeee")
    }

    @Test func verifyReportsABrokenChain() async throws {
        let setup = try await Setup()
        _ = try await setup.store.apply(try setup.batch([(0, 10)]))
        let m = setup.members[0].id.rawValue, r = setup.realm.id.rawValue, c = setup.points.id.rawValue
        // A second entry that claims to start at 20 although the first ended at 10.
        try setup.tamper(
            """
            INSERT INTO journal (id, realm_id, member_id, currency_id, amount, balance_before, balance_after, batch_id, kind, created_at)
            VALUES ('aaaaaaaaaaaaaaaaaaaaaaaa', '\(r)', '\(m)', '\(c)', 5, 20, 25, 'bbbbbbbbbbbbbbbbbbbbbbbb', 'batch', 0);
            UPDATE balances SET balance = 25 WHERE member_id = '\(m)';
            """)
        let kinds = Set(try await setup.store.verify { _ in }.violations.map(\.kind))
        #expect(kinds.contains(.chainBroken))
        #expect(kinds.contains(.journalSumMismatch))  // 10 + 5 != 25
        #expect(!kinds.contains(.lastEntryMismatch))
    }

    /// The database, its write-ahead log and its shared memory must all exist and be read, and the
    /// key's row must be in what was read (its stored hash is found), so the search cannot pass by
    /// reading nothing.
    @Test func theSecretNeverReachesTheDatabaseFile() async throws {
        let setup = try await Setup()
        let issued = try await setup.store.issueKey(realm: setup.realm.id, name: "bot", ids: IDGenerator())
        let secretBytes = Data(issued.secret.text.utf8)
        let randomPart = Data(issued.secret.text.suffix(64).utf8)
        let storedHash = Data(issued.secret.hash)
        // The log and the shared memory exist only while a connection is open.
        try withExtendedLifetime(setup.store) {
            var sizes = [String: Int]()
            var hashFound = false
            for suffix in ["", "-wal", "-shm"] {
                let contents = try #require(
                    FileManager.default.contents(atPath: setup.path + suffix), "tally.sqlite\(suffix) must exist")
                sizes[suffix] = contents.count
                #expect(contents.range(of: secretBytes) == nil, "the secret is in tally.sqlite\(suffix)")
                #expect(contents.range(of: randomPart) == nil, "the secret's random part is in tally.sqlite\(suffix)")
                if contents.range(of: storedHash) != nil { hashFound = true }
            }
            #expect(sizes["", default: 0] > 0 && sizes["-wal", default: 0] > 0, "\(sizes)")
            #expect(hashFound, "the key's row was not in the files searched")
        }
    }

    @Test func reopeningKeepsEverythingAndMigrationIsIdempotent() async throws {
        let setup = try await Setup()
        _ = try await setup.store.apply(try setup.batch([(0, 42)]))
        let reopened = ServiceScope.startForTest(try SQLiteLedgerStore(path: setup.path))
        try await reopened.migrate()
        #expect(
            try await reopened.balance(
                BalanceKey(currencyID: setup.points.id, memberID: setup.members[0].id), in: setup.realm.id) == 42)
    }

    @Test func anUnopenableDatabaseIsUnavailableNotACrash() {
        let error = #expect(throws: TallyError.self) {
            _ = try SQLiteLedgerStore(path: "/proc/definitely/not/here.sqlite")
        }
        #expect(error?.code == .unavailable)
    }

    /// Group commit: three requests in one transaction, the middle one failing. The failure rolls
    /// back to its savepoint alone; the others commit, and the third sees the first.
    @Test func aFailingRequestInsideAGroupLeaksNothingIntoTheOthers() async throws {
        let setup = try await Setup()
        let store = setup.store
        let now = Timestamp.milliseconds(Date())
        let good = try PreparedWrite(.apply(try setup.batch([(0, 10)])), ids: store.ids, now: now)
        let bad = try PreparedWrite(.apply(try setup.batch([(1, 5), (0, -100)])), ids: store.ids, now: now)
        let after = try PreparedWrite(.apply(try setup.batch([(0, -4)])), ids: store.ids, now: now)
        let memory = store.committer.memory
        let (results, remembered) = try await store.pool.write { db in
            let results = try GroupCommitter.apply(
                [(good, nil, now), (bad, nil, now), (after, nil, now)], db, logger: store.logger, ids: store.ids,
                memory: memory)
            // What the writer now plans with.
            let remembered = try (0..<2).map { member in
                try memory.balance(
                    BalanceKey(currencyID: setup.points.id, memberID: setup.members[member].id), in: setup.realm.id, db)
            }
            return (results, remembered)
        }
        #expect(remembered == [6, 0], "the writer's balances hold the first and third requests only")
        #expect(results.count == 3)
        guard case .success(.performed(.receipt(let third), _)) = results[2] else {
            Issue.record("the third request must succeed")
            return
        }
        #expect(third.changes[0].balanceBefore == 10)
        if case .failure(let error as TallyError) = results[1] {
            #expect(error.code == .insufficientBalance)
        } else {
            Issue.record("the middle request must fail with its own error")
        }
        let balanceOf = { (member: Int) in
            try await store.balance(
                BalanceKey(currencyID: setup.points.id, memberID: setup.members[member].id), in: setup.realm.id)
        }
        #expect(try await balanceOf(0) == 6)
        #expect(try await balanceOf(1) == 0, "the failed request's first change did not leak")
        #expect(try await store.verify { _ in }.isClean)
    }

    /// The same through `perform`, with requests racing in while groups are applied (they join the
    /// group being applied or form the next): every rejected request leaks nothing.
    @Test func racingRequestsThatFailLeakNothingIntoTheirGroups() async throws {
        let setup = try await Setup()
        let outcomes = try await withThrowingTaskGroup(of: TallyError?.self) { group in
            for index in 0..<200 {
                let batch =
                    index.isMultiple(of: 2) ? try setup.batch([(0, 1)]) : try setup.batch([(1, 1), (0, -1_000_000)])
                group.addTask {
                    do {
                        _ = try await setup.store.apply(batch)
                        return nil
                    } catch let error as TallyError {
                        return error
                    }
                }
            }
            return try await group.reduce(into: [TallyError?]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == nil }.count == 100)
        #expect(outcomes.compactMap { $0 }.allSatisfy { $0.code == .insufficientBalance })
        let balanceOf = { (member: Int) in
            try await setup.store.balance(
                BalanceKey(currencyID: setup.points.id, memberID: setup.members[member].id), in: setup.realm.id)
        }
        #expect(try await balanceOf(0) == 100)
        #expect(try await balanceOf(1) == 0, "a rejected request's first change leaked")
        #expect(setup.store.committer.statistics.largest > 1, "no group carried more than one request")
        #expect(try await setup.store.verify { _ in }.isClean)
    }

    @Test func aFullWriteQueueIsUnavailableNotUnbounded() async throws {
        let setup = try await Setup()
        let committer = GroupCommitter(
            pool: setup.store.pool, checkpointer: setup.store.checkpointer, follower: setup.store.follower,
            logger: setup.store.logger, queueDepthMax: 0
        )
        let prepared = try PreparedWrite(.apply(try setup.batch([(0, 1)])), ids: setup.store.ids, now: 0)
        let error = await #expect(throws: TallyError.self) {
            _ = try await committer.submit(prepared, claim: nil, now: 0)
        }
        #expect(error?.code == .unavailable)
    }

    @Test func aGroupStopsAtItsChangeBudgetYetTakesALargerRequestAlone() async throws {
        let setup = try await Setup()
        // 25 changes a group: two 10-change requests fit, a third does not; the 40-change
        // request is larger than the whole budget and must still commit, alone.
        let committer = GroupCommitter(
            pool: setup.store.pool, checkpointer: setup.store.checkpointer, follower: setup.store.follower,
            logger: setup.store.logger,
            groupChangesMax: 25)
        let ten = try setup.batch(Array(repeating: (0, 1), count: 10))
        let forty = try setup.batch(Array(repeating: (1, 1), count: 40))
        async let writer: Void = committer.run()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<60 {
                let batch = index == 30 ? forty : ten
                group.addTask {
                    let prepared = try PreparedWrite(.apply(batch), ids: setup.store.ids, now: 0)
                    _ = try await committer.submit(prepared, claim: nil, now: 0)
                }
            }
            try await group.waitForAll()
        }
        committer.finish()
        await writer
        let stats = committer.statistics
        #expect(stats.jobs == 60)
        #expect(stats.largest <= 2, "a group went past its 25 changes")
        #expect(stats.groups >= 30)
        let balanceOf = { (member: Int) in
            try await setup.store.balance(
                BalanceKey(currencyID: setup.points.id, memberID: setup.members[member].id), in: setup.realm.id)
        }
        #expect(try await balanceOf(0) == 590)
        #expect(try await balanceOf(1) == 40)
        #expect(try await setup.store.verify { _ in }.isClean)
    }

    /// An import runs in a transaction of its own, never in a group: the committer never sees it.
    @Test func anImportIsNeverGroupedWithOtherWrites() async throws {
        let setup = try await Setup()
        let before = setup.store.committer.statistics
        let rows = (0..<1_000).map { Credentials(username: "alone\($0)") }
        let created = try await MemberImports.load(rows, into: setup.realm.id, store: setup.store)
        #expect(created.count == rows.count)
        #expect(setup.store.committer.statistics.jobs == before.jobs, "the import went through a group")
        _ = try await setup.store.apply(try setup.batch([(0, 1)]))
        #expect(setup.store.committer.statistics.jobs == before.jobs + 1, "a batch still goes through the committer")
    }

    /// An import and batches submitted together all commit; the import's rows are all there.
    @Test func anImportAmongBatchesCommitsAloneAndTheBatchesStillCommit() async throws {
        let setup = try await Setup()
        let rows = (0..<3_000).map { Credentials(username: "bulk\($0)") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<100 {
                if index == 50 {
                    group.addTask {
                        let created = try await MemberImports.load(
                            rows, into: setup.realm.id, store: setup.store, chunkRows: 700)
                        #expect(created.count == rows.count)
                    }
                }
                group.addTask { _ = try await setup.store.apply(try setup.batch([(index % 2, 1)])) }
            }
            try await group.waitForAll()
        }
        let listed = try await setup.store.listMembers(
            in: setup.realm.id, query: MemberQuery(page: try PageRequest(page: 1, limit: 1)))
        #expect(listed.total == rows.count + 2)
        #expect(setup.store.committer.statistics.jobs >= 100)
        #expect(try await setup.store.verify { _ in }.isClean)
    }

    /// Graceful shutdown: every request already queued is committed and answered, and a request
    /// that comes later is refused (503), not left waiting. The requests queue before the store
    /// runs, so they are all queued when the shutdown comes with its start.
    @Test func aGracefulShutdownCommitsWhatIsQueuedAndRefusesWhatComesLater() async throws {
        let setup = try await Setup()
        let store = try SQLiteLedgerStore(path: setup.path)
        let batch = try setup.batch([(0, 1)])
        let writes = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<50 { group.addTask { _ = try await store.apply(batch) } }
                try await group.waitForAll()
            }
        }
        while store.committer.queuedCount < 50 { await Task.yield() }
        // The scope ends as soon as the store starts: its graceful shutdown comes at once.
        try await ServiceScope.with { scope in scope.start(store) }
        try await writes.value
        #expect(store.committer.statistics.jobs == 50)
        let error = await #expect(throws: TallyError.self) { _ = try await store.apply(batch) }
        #expect(error?.code == .unavailable)
        #expect(
            try await store.balance(
                BalanceKey(currencyID: setup.points.id, memberID: setup.members[0].id), in: setup.realm.id) == 50)
    }

    @Test func concurrentWritesAreGroupedIntoFewerTransactions() async throws {
        let setup = try await Setup()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask { _ = try await setup.store.apply(try setup.batch([(0, 1)])) }
            }
            try await group.waitForAll()
        }
        let stats = setup.store.committer.statistics
        #expect(stats.jobs >= 200)
        #expect(stats.groups < stats.jobs, "some transactions carried more than one request")
        #expect(
            try await setup.store.balance(
                BalanceKey(currencyID: setup.points.id, memberID: setup.members[0].id), in: setup.realm.id) == 200)
    }

    /// The writer's own checkpoint waits for a log of 262,144 pages; this import writes far fewer,
    /// so only the background checkpointer can move them into the database file: the file does
    /// not grow until the store's clock reaches the checkpointer's next pass, and then it does.
    /// (The limit turns a checkpointer that never sleeps again into a failure, not a hang.)
    @Test(.timeLimit(.minutes(2))) func theLogIsCopiedBackInTheBackgroundNotByACommit() async throws {
        let time = TallyClock.Manual(TallyClock.Instant(millisecondsSince1970: 1_800_000_000_000))
        let setup = try await Setup(clock: time.clock)
        let interval = setup.store.checkpointer.policy.interval
        #expect(
            try await setup.store.pool.writeWithoutTransaction { db in
                try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint")
            }
                == setup.store.checkpointer.policy.backstopPages)
        // The first pass ran when the store started; the checkpointer now waits for the next.
        try await time.waitForSleeper(until: time.now.advanced(by: interval))
        let fileSize = { (try? FileManager.default.attributesOfItem(atPath: setup.path)[.size] as? Int) ?? 0 }
        let before = fileSize()
        let rows = (0..<5_000).map { Credentials(username: "imported-\($0)", email: "m\($0)@example.com") }
        _ = try await MemberImports.load(rows, into: setup.realm.id, store: setup.store)
        #expect(fileSize() == before, "a commit copied the log into the database file")
        time.advance(by: interval)
        try await time.waitForSleeper(until: time.now.advanced(by: interval))
        #expect(fileSize() > before, "the background pass did not copy the log into the database file")
    }

    // The limit turns a checkpointer that never sleeps again into a failure, not a hang.
    @Test(.timeLimit(.minutes(2))) func underSteadyWritesTheLogStartsOverInsteadOfGrowing() async throws {
        // A small log limit, and a backstop so high that the writer never checkpoints by itself:
        // only the background pass's request and the writer's pass between groups can let the
        // log start over. Every 8 batches the test waits for the background pass it started
        // last and moves the clock for the next, which runs while the writes go on.
        let time = TallyClock.Manual(TallyClock.Instant(millisecondsSince1970: 1_800_000_000_000))
        let policy = WALCheckpointer.Policy(interval: .milliseconds(20), restartPages: 64, backstopPages: 1_000_000)
        let setup = try await Setup(checkpointing: policy, clock: time.clock)
        let walSize = { (try? FileManager.default.attributesOfItem(atPath: setup.path + "-wal")[.size] as? Int) ?? 0 }
        let frameBytes = 4_096 + 24
        let batches = 400
        for index in 0..<batches {
            if index % 8 == 0 {
                try await time.waitForSleeper(until: time.now.advanced(by: policy.interval))
                time.advance(by: policy.interval)
            }
            _ = try await setup.store.apply(try setup.batch([(index % 2, 1)]))
        }
        // Every batch adds a few pages to the log; without the restart it would hold all of them.
        #expect(setup.store.checkpointer.finishedPasses > 0, "the writer never finished a pass")
        #expect(
            walSize() < 1_000 * frameBytes, "the log grew to \(walSize() / frameBytes) frames after \(batches) batches")
        var total: Int64 = 0
        for member in setup.members {
            total += try await setup.store.balance(
                BalanceKey(currencyID: setup.points.id, memberID: member.id), in: setup.realm.id)
        }
        #expect(total == Int64(batches))
    }
}
