import GRDB
import TallyCore

extension SQLiteLedgerStore {
    /// The columns a member is inserted with, in the order `memberArguments` binds them.
    static let insertMemberColumns = """
        realm_id, id, username, discord_id, twitter_id, wallet, email, wallet_key, email_key, wallet_chain,
            wallet_name, metadata, created_at, updated_at
        """

    /// How many columns `insertMemberColumns` names.
    static let insertMemberColumnCount = insertMemberColumns.split(separator: ",").count

    static let insertMemberSQL = """
        INSERT INTO members (\(insertMemberColumns))
        VALUES (\(Array(repeating: "?", count: insertMemberColumnCount).joined(separator: ", ")))
        """

    /// The values of `insertMemberColumns` for `member`: its credentials as given, and the match
    /// keys of its wallet and email (`CredentialMatching`).
    static func memberArguments(_ member: Member) -> [(any DatabaseValueConvertible)?] {
        let c = member.credentials
        let arguments: [(any DatabaseValueConvertible)?] = [
            member.realmID.rawValue, member.id.rawValue, c.username, c.discordId, c.twitterId, c.wallet, c.email,
            c.matchKey(.wallet), c.matchKey(.email), c.walletChain, c.walletName, member.metadata?.text,
            member.createdAtMilliseconds, member.updatedAtMilliseconds,
        ]
        assert(arguments.count == insertMemberColumnCount, "one value per inserted column")
        return arguments
    }

    /// Rows per statement on the bulk path.
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
    ///
    /// `clash` words the error for the row at an index, given the credential that clashed (nil
    /// when it was not a credential); by default it names the row.
    static func insert(
        _ members: [Member], _ db: Database, clash: ((_ index: Int, _ kind: Credentials.Kind?) -> TallyError)? = nil
    ) throws {
        let insert = try db.cachedStatement(sql: insertMemberSQL)
        func insertOne(_ index: Int) throws {
            let member = members[index]
            do {
                try insert.execute(arguments: StatementArguments(memberArguments(member)))
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                let kind = credentialKind(error)
                throw clash?(index, kind)
                    ?? .credentialTaken(kind, of: member.credentials, row: index, rows: members.count)
            }
        }
        let bulk = members.count >= insertChunkRows ? try BulkInsert<Member>(members: db, rows: insertChunkRows) : nil
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
        }
    }

    /// The credential whose match column SQLite's message for a unique clash names
    /// (`UNIQUE constraint failed: members.realm_id, members.email_key`), or nil.
    static func credentialKind(_ error: DatabaseError) -> Credentials.Kind? {
        let columns = (error.message ?? "").split(separator: ":").last?.split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        return Credentials.Kind.allCases.first {
            columns?.contains("members.\(StoredSchema.matchColumn($0))") == true
        }
    }

    public func memberDetails(_ id: MemberID, in realmID: RealmID) async throws -> MemberDetails {
        try await readSettled("memberDetails") { db in
            guard let member = try Self.fetchMember(db, id, in: realmID) else {
                try Self.requireRealm(db, realmID)
                throw TallyError.notFound(id, in: realmID)
            }
            return try Self.details([member], db, realm: realmID)[0]
        }
    }

    static func fetchMember(_ db: Database, _ id: MemberID, in realmID: RealmID) throws -> Member? {
        try db.row(statements.member(id, in: realmID)).map(Member.init(stored:))
    }

    public func listMembers(in realmID: RealmID, query: MemberQuery) async throws -> Page<MemberDetails> {
        try await readSettled("listMembers") { db in
            try Self.requireRealm(db, realmID)
            return try Self.memberPage(db, Self.statements.members(in: realmID, query), realm: realmID)
        }
    }

    public func searchMembers(
        in realmID: RealmID, kind: SearchKind, values: [String], page: PageRequest
    ) async throws -> Page<MemberDetails> {
        try await readSettled("searchMembers") { db in
            try Self.requireRealm(db, realmID)
            guard let list = Self.statements.members(in: realmID, matching: kind, values, page) else {
                return Page(items: [], total: 0, request: page)
            }
            return try Self.memberPage(db, list, realm: realmID)
        }
    }

    /// One page of the members `list` selects, with their balances.
    private static func memberPage(_ db: Database, _ list: StoredStatements.PageStatements, realm realmID: RealmID)
        throws -> Page<MemberDetails>
    {
        let members = try db.rows(list.rows).map(Member.init(stored:))
        return Page(
            items: try details(members, db, realm: realmID), total: try db.count(list.count), request: list.request)
    }

    public func findAccount(kind: SearchKind, value: String, in realmID: RealmID?) async throws -> MemberID? {
        try await read("findAccount") { db in
            try db.row(Self.statements.account(kind, value, in: realmID)).map { MemberID(canonical: $0.text("id")) }
        }
    }

    static func setMemberMetadata(
        _ metadata: JSONValue, of member: MemberID, in realmID: RealmID, _ db: Database, now: Int64
    ) throws {
        try requireRealm(db, realmID)
        guard try db.row(statements.setMetadata(metadata, of: member, in: realmID, now: now)) != nil else {
            throw TallyError.notFound(member, in: realmID)
        }
    }
}
