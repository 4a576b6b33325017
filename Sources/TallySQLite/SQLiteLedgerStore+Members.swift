import GRDB
import TallyCore

extension SQLiteLedgerStore {
    static let insertMemberSQL = """
        INSERT INTO members (realm_id, id, username, discord_id, twitter_id, wallet, email, metadata,
            created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Rows per statement on the bulk path. It divides 10,000, so progress reports the same counts.
    static let insertChunkRows = 100

    /// Inserts `members` in order inside the caller's transaction. A unique clash throws
    /// `CONFLICT` naming the first clashing row (1-based), counting in the order given.
    ///
    /// Many rows go `insertChunkRows` to a statement, which keeps SQLite's cursors open from row to
    /// row (an id or credential that sorts after the one before it is then an append) and pays
    /// the statement's setup once per chunk. A chunk that fails with a constraint is undone by
    /// SQLite alone (the statement aborts; the transaction stays open), and is then inserted again
    /// one row per statement, so that the error, and the row it names, are exactly those of
    /// inserting row by row.
    static func insert(_ members: [Member], _ db: Database, progress: (Int) -> Void) throws {
        let insert = try db.cachedStatement(sql: insertMemberSQL)
        func insertOne(_ index: Int) throws {
            let member = members[index]
            let c = member.credentials
            do {
                try insert.execute(arguments: [
                    member.realmID.rawValue, member.id.rawValue, c.username, c.discordId, c.twitterId, c.wallet,
                    c.email, member.metadata?.text, member.createdAtMilliseconds, member.updatedAtMilliseconds,
                ])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw credentialConflict(error, row: index, total: members.count, credentials: c)
            }
        }
        let bulk = members.count >= insertChunkRows ? try BulkMemberInsert(db, rows: insertChunkRows) : nil
        defer { bulk?.finalize() }
        var start = 0
        while start < members.count {
            let end = min(start + insertChunkRows, members.count)
            var inserted = false
            if let bulk, end - start == bulk.rows { inserted = try bulk.insert(members[start..<end]) }
            if !inserted {
                for index in start..<end { try insertOne(index) }
            }
            start = end
            if start % 10_000 == 0 { progress(start) }
        }
        progress(members.count)
    }

    /// The conflict for a unique clash, naming the credential SQLite's message names.
    static func credentialConflict(_ error: DatabaseError, row: Int, total: Int, credentials: Credentials) -> TallyError
    {
        let message = error.message ?? ""
        let kind = Credentials.Kind.allCases.first { message.contains("members.\(column($0))") }
        return .credentialTaken(kind, of: credentials, row: row, rows: total)
    }

    /// Loads each member's balances with their currencies, in one query per page.
    static func details(_ members: [Member], _ db: Database, realm realmID: RealmID) throws -> [MemberDetails] {
        guard !members.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: members.count).joined(separator: ",")
        var arguments: StatementArguments = [realmID.rawValue]
        _ = arguments.append(contentsOf: StatementArguments(members.map(\.id.rawValue)))
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT b.member_id, b.balance, \(currencyColumns.split(separator: ",").map { "c." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
                FROM balances b JOIN currencies c ON c.realm_id = b.realm_id AND c.id = b.currency_id
                WHERE b.realm_id = ? AND b.member_id IN (\(placeholders))
                ORDER BY c.created_at, c.id
                """,
            arguments: arguments)
        var held = [String: [HeldBalance]]()
        for row in rows {
            let member: String = row["member_id"]
            held[member, default: []].append(HeldBalance(currency: currency(from: row), balance: row["balance"]))
        }
        return members.map { MemberDetails(member: $0, balances: held[$0.id.rawValue] ?? []) }
    }

    public func memberDetails(_ id: MemberID, in realmID: RealmID) async throws -> MemberDetails? {
        try await read("memberDetails") { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT \(Self.memberColumns) FROM members WHERE realm_id = ? AND id = ?",
                    arguments: [realmID.rawValue, id.rawValue])
            else { return nil }
            return try Self.details([Self.member(from: row)], db, realm: realmID).first
        }
    }

    public func listMembers(in realmID: RealmID, query: MemberQuery) async throws -> Page<MemberDetails> {
        try await read("listMembers") { db in
            try Self.requireRealm(db, realmID)
            var filter = "realm_id = ?"
            var arguments: StatementArguments = [realmID.rawValue]
            if let search = query.search, !search.isEmpty {
                filter += " AND (username LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\')"
                let pattern = Self.likeContains(search)
                _ = arguments.append(contentsOf: [pattern, pattern])
            }
            let total =
                try Int.fetchOne(db, sql: "SELECT count(*) FROM members WHERE \(filter)", arguments: arguments) ?? 0
            let direction = query.order == .ascending ? "ASC" : "DESC"
            let order =
                switch query.sortField {
                // Ids begin with their creation second, so id order is join order.
                case .joined: "id \(direction)"
                case .username: "username COLLATE NOCASE \(direction), id \(direction)"
                case .updated: "updated_at \(direction), id \(direction)"
                }
            var pageArguments = arguments
            _ = pageArguments.append(contentsOf: [query.page.limit, query.page.offset])
            let members = try Row.fetchAll(
                db,
                sql: "SELECT \(Self.memberColumns) FROM members WHERE \(filter) ORDER BY \(order) LIMIT ? OFFSET ?",
                arguments: pageArguments
            ).map(Self.member(from:))
            return Page(
                items: try Self.details(members, db, realm: realmID), total: total, page: query.page.page,
                limit: query.page.limit)
        }
    }

    public func searchMembers(
        in realmID: RealmID, kind: SearchKind, values: [String], page: PageRequest
    ) async throws -> Page<MemberDetails> {
        try await read("searchMembers") { db in
            try Self.requireRealm(db, realmID)
            let wanted = Array(Set(values.map { kind == .dripId ? $0.lowercased() : $0 }))
            guard !wanted.isEmpty else { return Page(items: [], total: 0, page: page.page, limit: page.limit) }
            let column = kind.credential.map(Self.column) ?? "id"
            let placeholders = Array(repeating: "?", count: wanted.count).joined(separator: ",")
            var arguments: StatementArguments = [realmID.rawValue]
            _ = arguments.append(contentsOf: StatementArguments(wanted))
            let filter = "realm_id = ? AND \(column) IN (\(placeholders))"
            let total =
                try Int.fetchOne(db, sql: "SELECT count(*) FROM members WHERE \(filter)", arguments: arguments) ?? 0
            var pageArguments = arguments
            _ = pageArguments.append(contentsOf: [page.limit, page.offset])
            let members = try Row.fetchAll(
                db, sql: "SELECT \(Self.memberColumns) FROM members WHERE \(filter) ORDER BY id LIMIT ? OFFSET ?",
                arguments: pageArguments
            ).map(Self.member(from:))
            return Page(
                items: try Self.details(members, db, realm: realmID), total: total, page: page.page, limit: page.limit)
        }
    }

    public func findAccount(kind: SearchKind, value: String, in realmID: RealmID?) async throws -> MemberID? {
        try await read("findAccount") { db in
            let column = kind.credential.map(Self.column) ?? "id"
            let wanted = kind == .dripId ? value.lowercased() : value
            let id: String?
            if let realmID {
                id = try String.fetchOne(
                    db, sql: "SELECT id FROM members WHERE realm_id = ? AND \(column) = ? ORDER BY id LIMIT 1",
                    arguments: [realmID.rawValue, wanted])
            } else {
                id = try String.fetchOne(
                    db, sql: "SELECT id FROM members WHERE \(column) = ? ORDER BY id LIMIT 1", arguments: [wanted])
            }
            return id.map(MemberID.init(canonical:))
        }
    }

    static func setMemberMetadata(
        _ metadata: JSONValue, of member: MemberID, in realmID: RealmID, _ db: Database, now: Int64
    ) throws {
        try requireRealm(db, realmID)
        try db.execute(
            sql: "UPDATE members SET metadata = ?, updated_at = ? WHERE realm_id = ? AND id = ?",
            arguments: [metadata.text, now, realmID.rawValue, member.rawValue])
        guard db.changesCount == 1 else { throw TallyError.notFound(member, in: realmID) }
    }

    public func leaderboard(
        in realmID: RealmID, currency currencyID: CurrencyID?, after cursor: LeaderboardCursor?, take: Int
    ) async throws -> LeaderboardPage {
        try await read("leaderboard") { db in
            try Self.requireRealm(db, realmID)
            let currency: Currency?
            if let currencyID {
                currency = try Self.fetchCurrency(db, currencyID, in: realmID)
            } else {
                currency = try Row.fetchOne(
                    db, sql: "SELECT \(Self.currencyColumns) FROM currencies WHERE realm_id = ? AND is_default = 1",
                    arguments: [realmID.rawValue]
                ).map(Self.currency(from:))
            }
            guard let currency else {
                throw TallyError(
                    .currencyNotFound,
                    currencyID.map { "Currency \($0) does not exist in realm \(realmID)." }
                        ?? "Realm \(realmID) has no default currency; pass currencyId.")
            }
            let realm = realmID.rawValue, cid = currency.id.rawValue
            let total =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM balances WHERE realm_id = ? AND currency_id = ?",
                    arguments: [realm, cid])
                ?? 0
            var sql = """
                SELECT b.balance, \(Self.memberColumns.split(separator: ",").map { "m." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
                FROM balances b JOIN members m ON m.realm_id = b.realm_id AND m.id = b.member_id
                WHERE b.realm_id = ? AND b.currency_id = ?
                """
            var arguments: StatementArguments = [realm, cid]
            if let cursor {
                sql += " AND (b.balance < ? OR (b.balance = ? AND b.member_id > ?))"
                _ = arguments.append(contentsOf: [cursor.balance, cursor.balance, cursor.memberID.rawValue])
            }
            sql += " ORDER BY b.balance DESC, b.member_id ASC LIMIT ?"
            _ = arguments.append(contentsOf: [take + 1])
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            // Competition ranking: rank = 1 + the number of balances strictly greater. Two counts
            // anchor the page's first balance; the rest follows from the page itself.
            var entries = [LeaderboardEntry]()
            let page = rows.prefix(take)
            if let first: Int64 = page.first?["balance"] {
                let greater =
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM balances WHERE realm_id = ? AND currency_id = ? AND balance > ?",
                        arguments: [realm, cid, first]) ?? 0
                let greaterOrEqual =
                    try Int.fetchOne(
                        db,
                        sql: "SELECT count(*) FROM balances WHERE realm_id = ? AND currency_id = ? AND balance >= ?",
                        arguments: [realm, cid, first]) ?? 0
                var belowFirstSoFar = 0
                var previous: (balance: Int64, rank: Int)?
                for row in page {
                    let balance: Int64 = row["balance"]
                    let rank: Int
                    if balance == first {
                        rank = 1 + greater
                    } else if let previous, previous.balance == balance {
                        rank = previous.rank
                    } else {
                        rank = 1 + greaterOrEqual + belowFirstSoFar
                    }
                    if balance < first { belowFirstSoFar += 1 }
                    previous = (balance, rank)
                    entries.append(LeaderboardEntry(member: Self.member(from: row), balance: balance, rank: rank))
                }
            }
            return LeaderboardPage(entries: entries, totalCount: total, hasNextPage: rows.count > take)
        }
    }

    public func balance(_ key: BalanceKey, in realmID: RealmID) async throws -> Int64 {
        try await read("balance") { db in
            try Int64.fetchOne(
                db, sql: "SELECT balance FROM balances WHERE realm_id = ? AND currency_id = ? AND member_id = ?",
                arguments: [realmID.rawValue, key.currencyID.rawValue, key.memberID.rawValue]) ?? 0
        }
    }

    public func journal(of member: MemberID, in realmID: RealmID, before: Int64?, limit: Int) async throws
        -> JournalPage
    {
        try await read("journal") { db in
            var sql = "SELECT \(Self.journalColumns) FROM journal WHERE realm_id = ? AND member_id = ?"
            var arguments: StatementArguments = [realmID.rawValue, member.rawValue]
            if let before {
                sql += " AND seq < ?"
                _ = arguments.append(contentsOf: [before])
            }
            sql += " ORDER BY seq DESC LIMIT ?"
            _ = arguments.append(contentsOf: [limit + 1])
            let entries = try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.journalEntry(from:))
            let page = Array(entries.prefix(limit))
            return JournalPage(
                entries: page, nextCursor: entries.count > limit ? page.last.map { String($0.sequence) } : nil)
        }
    }
}
