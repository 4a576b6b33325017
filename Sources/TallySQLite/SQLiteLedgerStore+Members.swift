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
        let kind = Credentials.Kind.allCases.first { message.contains("members.\(StoredSchema.column($0))") }
        return .credentialTaken(kind, of: credentials, row: row, rows: total)
    }

    public func memberDetails(_ id: MemberID, in realmID: RealmID) async throws -> MemberDetails {
        try await read("memberDetails") { db in
            guard let member = try Self.fetchMember(db, id, in: realmID) else {
                try Self.requireRealm(db, realmID)
                throw TallyError.notFound(id, in: realmID)
            }
            return try Self.details([member], db, realm: realmID)[0]
        }
    }

    static func fetchMember(_ db: Database, _ id: MemberID, in realmID: RealmID) throws -> Member? {
        try Row.fetchOne(
            db, sql: "SELECT \(StoredSchema.memberColumns) FROM members WHERE realm_id = ? AND id = ?",
            arguments: [realmID.rawValue, id.rawValue]
        ).map(member(from:))
    }

    public func listMembers(in realmID: RealmID, query: MemberQuery) async throws -> Page<MemberDetails> {
        try await read("listMembers") { db in
            try Self.requireRealm(db, realmID)
            var filter = "realm_id = ?"
            var arguments: StatementArguments = [realmID.rawValue]
            if let search = query.search, !search.isEmpty {
                filter += " AND (username LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\')"
                let pattern = StoredSchema.likeContains(search)
                _ = arguments.append(contentsOf: [pattern, pattern])
            }
            let order = StoredSchema.order(query, caseless: Self.caseless)
            return try Self.memberPage(db, filter: filter, arguments, order: order, query.page, realm: realmID)
        }
    }

    public func searchMembers(
        in realmID: RealmID, kind: SearchKind, values: [String], page: PageRequest
    ) async throws -> Page<MemberDetails> {
        try await read("searchMembers") { db in
            try Self.requireRealm(db, realmID)
            let wanted = Array(Set(values.map(kind.stored)))
            guard !wanted.isEmpty else { return Page(items: [], total: 0, request: page) }
            let placeholders = Array(repeating: "?", count: wanted.count).joined(separator: ",")
            var arguments: StatementArguments = [realmID.rawValue]
            _ = arguments.append(contentsOf: StatementArguments(wanted))
            let filter = "realm_id = ? AND \(StoredSchema.column(kind)) IN (\(placeholders))"
            return try Self.memberPage(db, filter: filter, arguments, order: "id", page, realm: realmID)
        }
    }

    /// One page of the members `filter` keeps, in `order`, with their balances.
    private static func memberPage(
        _ db: Database, filter: String, _ arguments: StatementArguments, order: String, _ page: PageRequest,
        realm realmID: RealmID
    ) throws -> Page<MemberDetails> {
        let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM members WHERE \(filter)", arguments: arguments) ?? 0
        let members = try Row.fetchAll(
            db,
            sql: "SELECT \(StoredSchema.memberColumns) FROM members WHERE \(filter) ORDER BY \(order) LIMIT ? OFFSET ?",
            arguments: arguments + [page.limit, page.offset]
        ).map(member(from:))
        return Page(items: try details(members, db, realm: realmID), total: total, request: page)
    }

    public func findAccount(kind: SearchKind, value: String, in realmID: RealmID?) async throws -> MemberID? {
        try await read("findAccount") { db in
            let column = StoredSchema.column(kind)
            let wanted = kind.stored(value)
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
}
