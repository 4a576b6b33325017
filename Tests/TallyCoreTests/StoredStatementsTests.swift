import Testing

@testable import TallyCore

/// A row held in memory, for reading records back without a database.
struct MemoryRow: StoredRow {
    struct Unreadable: Error { let column: String }

    var columns: [String: SQLValue]

    /// The row an insert would store: each column with the value bound for it.
    init(inserted statement: SQLStatement) {
        let names = statement.text.split(separator: "(")[1].split(separator: ")")[0].split(separator: ",")
        columns = Dictionary(uniqueKeysWithValues: zip(names.map { String($0.filter { $0 != " " }) }, statement.values))
    }

    init(_ columns: [String: SQLValue]) { self.columns = columns }

    func text(_ column: String) throws -> String {
        guard case .text(let text?) = columns[column] else { throw Unreadable(column: column) }
        return text
    }
    func optionalText(_ column: String) throws -> String? {
        guard case .text(let text) = columns[column] else { throw Unreadable(column: column) }
        return text
    }
    func integer(_ column: String) throws -> Int64 {
        guard case .integer(let integer?) = columns[column] else { throw Unreadable(column: column) }
        return integer
    }
    func optionalInteger(_ column: String) throws -> Int64? {
        guard case .integer(let integer) = columns[column] else { throw Unreadable(column: column) }
        return integer
    }
    func boolean(_ column: String) throws -> Bool {
        guard case .boolean(let flag) = columns[column] else { throw Unreadable(column: column) }
        return flag
    }
    func bytes(_ column: String) throws -> [UInt8] {
        guard case .bytes(let bytes) = columns[column] else { throw Unreadable(column: column) }
        return bytes
    }
}

/// The statements both stores run, worded in a dialect whose every difference is visible.
@Suite struct StoredStatementsTests {
    let statements = StoredStatements(
        SQLDialect(
            placeholder: { ":\($0)" }, caselessLike: "LIKES", caseless: { "fold(\($0)) \($1)" },
            isTrue: { "truth(\($0))" }, cappedSum: { "capped(\($0))" }))
    let realm = RealmID("507f1f77bcf86cd799439011")!
    let member = MemberID("507f1f77bcf86cd799439013")!
    let currencyID = CurrencyID("507f1f77bcf86cd799439015")!

    func currency(maximum: Int64? = nil) -> Currency {
        Currency(
            id: currencyID, realmID: realm, name: "Points", emoji: "⭐", customEmojiURL: nil, metadata: ["a": 1],
            isDefault: true, minimumBalance: -5, maximumBalance: maximum, isTransferable: false,
            createdAtMilliseconds: 7)
    }

    /// Numbered placeholders let one value stand twice and keep the count in step with the values.
    @Test func placeholdersCountFromOneAndAValueBoundOnceCanStandTwice() throws {
        let cursor = LeaderboardCursor(balance: 40, memberID: member)
        let statement = statements.leaderboard(in: realm, currency: currencyID, after: cursor, take: 2)
        #expect(
            statement.values == [
                .text(realm.rawValue), .text(currencyID.rawValue), .integer(40), .text(member.rawValue), .integer(3),
            ])
        #expect(statement.text.contains("b.balance < :3 OR (b.balance = :3 AND b.member_id > :4)"))
        #expect(statement.text.hasSuffix("ORDER BY b.balance DESC, b.member_id ASC LIMIT :5"))
        let first = statements.leaderboard(in: realm, currency: currencyID, after: nil, take: 2)
        #expect(first.values.count == 3 && first.text.hasSuffix("LIMIT :3"))
    }

    @Test func insertsAndUpdatesPairEachColumnWithItsValue() {
        let insert = SQLStatement(statements.dialect, insertInto: "t", ["a": .text("x"), "b": .integer(nil)])
        #expect(insert.text == "INSERT INTO t (a, b) VALUES (:1, :2)")
        #expect(insert.values == [.text("x"), .integer(nil)])
        let update = SQLStatement(
            statements.dialect, update: "t", set: ["a": .boolean(true)], where: ["k": .text("1"), "j": .text("2")])
        #expect(update.text == "UPDATE t SET a = :1 WHERE k = :2 AND j = :3")
        #expect(update.values == [.boolean(true), .text("1"), .text("2")])
    }

    /// The count and the page share the filter and its values; only the page adds its bounds.
    @Test func aCurrencyListFiltersSortsAndPagesInTheDialect() throws {
        let query = CurrencyQuery(
            page: try PageRequest(page: 3, limit: 10), search: "50%", sortField: .name, order: .descending,
            isDefault: false)
        let list = statements.currencies(in: realm, query)
        let filter = "realm_id = :1 AND archived_at IS NULL AND is_default = :2 AND name LIKES :3 ESCAPE '\\'"
        #expect(list.count.text == "SELECT count(*) FROM currencies WHERE \(filter)")
        #expect(list.count.values == [.text(realm.rawValue), .boolean(false), .text(#"%50\%%"#)])
        #expect(list.rows.text.contains("WHERE \(filter) ORDER BY fold(name) DESC, id DESC"))
        #expect(list.rows.text.hasSuffix("LIMIT :4 OFFSET :5"))
        #expect(list.rows.values == list.count.values + [.integer(10), .integer(20)])
        #expect(list.request == query.page)

        let archived = statements.currencies(in: realm, CurrencyQuery(page: try PageRequest(), archived: true))
        #expect(archived.count.text.hasSuffix("WHERE realm_id = :1 AND archived_at IS NOT NULL"))
        let all = statements.currencies(in: realm, CurrencyQuery(page: try PageRequest(), includeArchived: true))
        #expect(all.count.text.hasSuffix("WHERE realm_id = :1"))
    }

    @Test func aMemberListSearchesUsernameAndEmailWithOnePattern() throws {
        let list = statements.members(
            in: realm, MemberQuery(page: try PageRequest(), search: "ann", sortField: .username))
        #expect(
            list.count.text
                == "SELECT count(*) FROM members WHERE realm_id = :1 AND NOT (truth(ghost)) AND (username LIKES :2 ESCAPE '\\' OR email LIKES :2 ESCAPE '\\')"
        )
        #expect(list.count.values == [.text(realm.rawValue), .text("%ann%")])
        #expect(list.rows.text.contains("ORDER BY fold(username) ASC, id ASC"))
    }

    /// Ids are stored lowercase, so a search for the same id in two cases binds it once.
    @Test func aSearchBindsEachStoredValueOnceAndNoValueMatchesNothing() throws {
        let page = try PageRequest()
        #expect(statements.members(in: realm, matching: .email, [], page) == nil)
        let upper = member.rawValue.uppercased()
        let list = try #require(statements.members(in: realm, matching: .dripId, [upper, member.rawValue], page))
        #expect(
            list.count.text == "SELECT count(*) FROM members WHERE realm_id = :1 AND NOT (truth(ghost)) AND id IN (:2)")
        #expect(list.count.values == [.text(realm.rawValue), .text(member.rawValue)])
        #expect(list.rows.text.hasSuffix("ORDER BY id\nLIMIT :3 OFFSET :4"))
        let two = try #require(statements.members(in: realm, matching: .wallet, ["a", "b"], page))
        #expect(two.count.text.hasSuffix("wallet_key IN (:2, :3)"))
        #expect(Set(two.count.values.dropFirst()) == [.text("a"), .text("b")])
        // Emails and EVM addresses are looked up by their keys: two spellings bind one value.
        let evm = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        let one = try #require(statements.members(in: realm, matching: .wallet, [evm, evm.lowercased()], page))
        #expect(one.count.values.dropFirst() == [.text(evm.lowercased())])
        let email = statements.account(.email, "Erin@Example.com", in: nil)
        #expect(email.text == "SELECT id FROM members WHERE email_key = :1 AND NOT (truth(ghost)) ORDER BY id LIMIT 1")
        #expect(email.values == [.text("erin@example.com")])
    }

    @Test func anAccountLookupNamesTheRealmOnlyWhenGiven() {
        let anywhere = statements.account(.discordId, "42", in: nil)
        #expect(
            anywhere.text == "SELECT id FROM members WHERE discord_id = :1 AND NOT (truth(ghost)) ORDER BY id LIMIT 1")
        let inRealm = statements.account(.dripId, member.rawValue.uppercased(), in: realm)
        #expect(
            inRealm.text
                == "SELECT id FROM members WHERE realm_id = :2 AND id = :1 AND NOT (truth(ghost)) ORDER BY id LIMIT 1")
        #expect(inRealm.values == [.text(member.rawValue), .text(realm.rawValue)])
    }

    @Test func theDialectWordsTheDefaultAndKeysListEveryRealmWithoutOne() {
        #expect(statements.defaultCurrency(in: realm).text.hasSuffix("WHERE realm_id = :1 AND truth(is_default)"))
        let clear = statements.clearDefault(in: realm, now: 9)
        #expect(
            clear.text.hasSuffix("SET is_default = :1, updated_at = :2\nWHERE realm_id = :3 AND truth(is_default)"))
        #expect(clear.values == [.boolean(false), .integer(9), .text(realm.rawValue)])
        #expect(statements.keys(in: nil).text.hasSuffix("FROM api_keys ORDER BY created_at, id"))
        #expect(statements.keys(in: realm).text.hasSuffix("FROM api_keys WHERE realm_id = :1 ORDER BY created_at, id"))
    }

    /// A NULL ceiling is bound once, cast so that an engine that types parameters knows it.
    @Test func balancesOutsideNewLimitsBindTheCeilingOnce() {
        let statement = statements.balancesOutsideLimits(of: currency(maximum: nil))
        #expect(statement.values == [.integer(nil), .text(realm.rawValue), .text(currencyID.rawValue), .integer(-5)])
        #expect(statement.text.contains("CAST(:1 AS BIGINT) IS NOT NULL AND balance > CAST(:1 AS BIGINT)"))
    }

    @Test func aJournalPageReadsOneRowMoreThanItShows() {
        let statement = statements.journal(of: member, in: realm, before: 12, limit: 5)
        #expect(statement.text.contains("FROM journal j\nWHERE j.realm_id = :1 AND j.member_id = :2"))
        #expect(statement.text.hasSuffix("AND j.seq < :3 ORDER BY j.seq DESC LIMIT :4"))
        #expect(statement.values.suffix(2) == [.integer(12), .integer(6)])
        // An engine with a member index of its own finds the entries through it.
        let indexed = StoredStatements(
            SQLDialect(
                placeholder: { ":\($0)" }, caselessLike: "LIKE", caseless: { column, _ in column },
                isTrue: { "\($0) = 1" }, memberIndex: "member_journal", cappedSum: { $0 })
        ).journal(of: member, in: realm, before: 12, limit: 5)
        #expect(
            indexed.text.contains(
                "FROM member_journal x JOIN journal j ON j.seq = x.seq\nWHERE x.realm_id = :1 AND x.member_id = :2"))
        #expect(indexed.text.hasSuffix("AND x.seq < :3 ORDER BY x.seq DESC LIMIT :4"))
    }

    /// What an insert stores reads back as the same record.
    @Test func recordsReadBackAsInserted() throws {
        let realmRecord = Realm(id: realm, name: "R", description: "d", subdomain: nil, createdAtMilliseconds: 3)
        #expect(try Realm(stored: MemoryRow(inserted: statements.insert(realmRecord))) == realmRecord)

        var currencyRow = MemoryRow(inserted: statements.insert(currency(maximum: 100)))
        currencyRow.columns["archived_at"] = .integer(nil)
        #expect(try Currency(stored: currencyRow) == currency(maximum: 100))

        let memberRecord = Member(
            id: member, realmID: realm,
            credentials: Credentials(
                username: "ann", wallet: "0xAB", email: "A@x", walletChain: "solana", walletName: "phantom"),
            metadata: ["k": "v"], createdAtMilliseconds: 4, updatedAtMilliseconds: 8)
        let memberRow = MemoryRow(inserted: statements.insert(memberRecord))
        #expect(try Member(stored: memberRow) == memberRecord)
        #expect(memberRow.columns["email_key"] == .text("a@x") && memberRow.columns["email"] == .text("A@x"))
        #expect(memberRow.columns["wallet_key"] == .text("0xAB"), "not an EVM address: its key is itself")

        let key = APIKey(
            id: KeyID("507f1f77bcf86cd799439019")!, realmID: nil, name: "ops", scopes: [.membersRead, .pointsWrite],
            secretHash: Array(repeating: 7, count: 32), createdAtMilliseconds: 5, revokedAtMilliseconds: nil)
        #expect(try APIKey(stored: MemoryRow(inserted: statements.insert(key))) == key)
    }

    @Test func entriesLeaderboardRowsAndHeldBalancesReadByColumnName() throws {
        let entry = MemoryRow([
            "id": .text("507f1f77bcf86cd799439021"), "seq": .integer(11), "realm_id": .text(realm.rawValue),
            "member_id": .text(member.rawValue), "currency_id": .text(currencyID.rawValue), "amount": .integer(-2),
            "balance_before": .integer(5), "balance_after": .integer(3),
            "batch_id": .text("507f1f77bcf86cd799439022"), "initiator_id": .text(nil), "kind": .text("future-kind"),
            "created_at": .integer(6),
        ])
        let read = try JournalEntry(stored: entry)
        #expect(read.sequence == 11 && read.amount == -2 && read.balanceAfter == 3 && read.initiatorID == nil)
        #expect(read.kind == .batch)

        let memberRecord = Member(id: member, realmID: realm, credentials: .init(), createdAtMilliseconds: 1)
        var ranked = MemoryRow(inserted: statements.insert(memberRecord))
        ranked.columns["balance"] = .integer(70)
        #expect(try LeaderboardRanking.Row(stored: ranked) == .init(member: memberRecord, balance: 70))

        var held = MemoryRow(inserted: statements.insert(currency()))
        held.columns["archived_at"] = .integer(nil)
        held.columns["balance_member_id"] = .text(member.rawValue)
        held.columns["balance"] = .integer(12)
        let details = try MemberDetails.joining([memberRecord], heldBalances: [held])
        #expect(
            details == [MemberDetails(member: memberRecord, balances: [HeldBalance(currency: currency(), balance: 12)])]
        )
        #expect(throws: MemoryRow.Unreadable.self) { try Realm(stored: MemoryRow([:])) }
    }

    /// verify's shared queries list a bounded number of rows, and their rows reach the auditor
    /// by column name.
    @Test func auditQueriesAreBoundedAndFeedTheAuditor() throws {
        let queries =
            AuditQueries.orphans.map(\.1) + [
                AuditQueries.unexplainedBalances(), AuditQueries.unexplainedBalances(memberIndex: "member_journal"),
                AuditQueries.balancesOutOfRange,
            ]
        for query in queries { #expect(query.hasSuffix("LIMIT \(JournalAuditor.violationsListedMax)")) }
        #expect(AuditQueries.orphans.map(\.0) == JournalAuditor.Orphan.allCases)
        for (_, query) in AuditQueries.orphans {
            for column in ["realm_id", "member_id", "currency_id", "entry_id"] { #expect(query.contains(column)) }
        }

        var auditor = JournalAuditor { _ in }
        let ids: [String: SQLValue] = ["realm_id": .text("r"), "member_id": .text("m"), "currency_id": .text("c")]
        try auditor.orphan(
            .member, row: MemoryRow(ids.merging(["currency_id": .text(nil), "entry_id": .text(nil)]) { $1 }))
        try auditor.unexplainedBalance(row: MemoryRow(ids.merging(["balance": .integer(4)]) { $1 }))
        try auditor.checkRange(
            row: MemoryRow(
                ids.merging(["balance": .integer(9), "minimum_balance": .integer(0), "maximum_balance": .integer(8)]) {
                    $1
                }))
        #expect(auditor.report.violations.map(\.kind) == [.orphanRow, .journalSumMismatch, .aboveMaximum])
        #expect(
            auditor.report.violations[0].message
                == "A member refers to a realm, member or currency that does not exist.")
        #expect(auditor.report.violations[0].currencyID == nil)
        #expect(auditor.report.violations[2].message == "The balance 9 is above the maximum 8.")
    }
}
