import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    /// Most members one bulk statement inserts.
    static let importChunkRows = 1_000

    /// Inserts members a thousand per statement (arrays through `unnest`, one round trip each),
    /// each chunk under a savepoint. When a chunk clashes with a credential, it is rolled back
    /// and inserted again one row at a time, so the error names the exact row.
    func insert(_ members: [Member], _ connection: PostgresConnection, progress: (Int) -> Void) async throws {
        var start = 0
        while start < members.count {
            let end = min(start + Self.importChunkRows, members.count)
            let chunk = members[start..<end]
            if chunk.count == 1 || chunk.contains(where: { $0.metadata != nil }) {
                try await insertOneByOne(chunk, total: members.count, connection)
            } else {
                try await run(connection, "SAVEPOINT member_import_chunk")
                do {
                    try await insertBulk(chunk, connection)
                    try await run(connection, "RELEASE SAVEPOINT member_import_chunk")
                } catch  where Self.isUniqueViolation(error) {
                    try await run(connection, "ROLLBACK TO SAVEPOINT member_import_chunk")
                    try await insertOneByOne(chunk, total: members.count, connection)
                }
            }
            if end / 10_000 > start / 10_000 { progress(end) }
            start = end
        }
        progress(members.count)
    }

    /// One statement for the chunk. Credentials are never empty once validated, so an empty
    /// string stands for NULL in the arrays (postgres-nio encodes no optional elements).
    private func insertBulk(_ chunk: ArraySlice<Member>, _ connection: PostgresConnection) async throws {
        func column(_ kind: Credentials.Kind) -> [String] { chunk.map { $0.credentials[kind] ?? "" } }
        let realms = chunk.map(\.realmID.rawValue)
        let ids = chunk.map(\.id.rawValue)
        let created = chunk.map(\.createdAtMilliseconds)
        let updated = chunk.map(\.updatedAtMilliseconds)
        try await run(
            connection,
            """
            INSERT INTO members (realm_id, id, username, discord_id, twitter_id, wallet, email, metadata,
                created_at, updated_at)
            SELECT r, i, NULLIF(u, ''), NULLIF(d, ''), NULLIF(t, ''), NULLIF(w, ''), NULLIF(e, ''), NULL, c, m
            FROM unnest(\(realms)::text[], \(ids)::text[], \(column(.username))::text[], \(column(.discordId))::text[],
                \(column(.twitterId))::text[], \(column(.wallet))::text[], \(column(.email))::text[],
                \(created)::int8[], \(updated)::int8[]) AS v(r, i, u, d, t, w, e, c, m)
            """)
    }

    /// Inserts members one statement each, so that a clash names its row exactly.
    private func insertOneByOne(_ members: ArraySlice<Member>, total: Int, _ connection: PostgresConnection)
        async throws
    {
        for (index, member) in zip(members.indices, members) {
            let c = member.credentials
            do {
                try await run(
                    connection,
                    """
                    INSERT INTO members (realm_id, id, username, discord_id, twitter_id, wallet, email, metadata,
                        created_at, updated_at)
                    VALUES (\(member.realmID.rawValue), \(member.id.rawValue), \(c.username), \(c.discordId),
                        \(c.twitterId), \(c.wallet), \(c.email), \(member.metadata?.text),
                        \(member.createdAtMilliseconds), \(member.updatedAtMilliseconds))
                    """)
            } catch  where Self.isUniqueViolation(error) {
                throw Self.credentialConflict(error, row: index, total: total, credentials: c)
            }
        }
    }

    /// The conflict for a unique clash, naming the credential whose index the error names.
    static func credentialConflict(_ error: any Error, row: Int, total: Int, credentials: Credentials) -> TallyError {
        let name = constraint(error) ?? ""
        let kind = Credentials.Kind.allCases.first { name == "members_\(StoredSchema.column($0))" }
        return .credentialTaken(kind, of: credentials, row: row, rows: total)
    }

    public func memberDetails(_ id: MemberID, in realmID: RealmID) async throws -> MemberDetails {
        try await transaction("memberDetails", .reading) { connection in
            guard let member = try await fetchMember(connection, id, in: realmID) else {
                try await requireRealm(connection, realmID)
                throw TallyError.notFound(id, in: realmID)
            }
            return try await details([member], connection, realm: realmID)[0]
        }
    }

    func fetchMember(_ connection: PostgresConnection, _ id: MemberID, in realmID: RealmID) async throws -> Member? {
        try await first(
            connection,
            """
            SELECT \(unescaped: StoredSchema.memberColumns) FROM members
            WHERE realm_id = \(realmID.rawValue) AND id = \(id.rawValue)
            """
        ).map(Self.member(from:))
    }

    public func listMembers(in realmID: RealmID, query: MemberQuery) async throws -> Page<MemberDetails> {
        try await transaction("listMembers", .reading) { connection in
            try await requireRealm(connection, realmID)
            var sql = SQLBuilder()
            var filter = "realm_id = \(sql.bind(realmID.rawValue))"
            if let search = query.search, !search.isEmpty {
                // ILIKE: SQLite's LIKE ignores case, and the two stores must agree.
                let pattern = sql.bind(StoredSchema.likeContains(search))
                filter += " AND (username ILIKE \(pattern) ESCAPE '\\' OR email ILIKE \(pattern) ESCAPE '\\')"
            }
            let order = StoredSchema.order(query, caseless: Self.caseless)
            return try await memberPage(connection, sql, filter: filter, order: order, query.page, realm: realmID)
        }
    }

    public func searchMembers(
        in realmID: RealmID, kind: SearchKind, values: [String], page: PageRequest
    ) async throws -> Page<MemberDetails> {
        try await transaction("searchMembers", .reading) { connection in
            try await requireRealm(connection, realmID)
            let wanted = Array(Set(values.map(kind.stored)))
            guard !wanted.isEmpty else { return Page(items: [], total: 0, request: page) }
            var sql = SQLBuilder()
            let filter =
                "realm_id = \(sql.bind(realmID.rawValue)) AND \(StoredSchema.column(kind)) = ANY(\(sql.bind(wanted)))"
            return try await memberPage(connection, sql, filter: filter, order: "id", page, realm: realmID)
        }
    }

    /// One page of the members `filter` keeps (its values bound in `sql`), in `order`, with
    /// their balances.
    private func memberPage(
        _ connection: PostgresConnection, _ sql: SQLBuilder, filter: String, order: String, _ page: PageRequest,
        realm realmID: RealmID
    ) async throws -> Page<MemberDetails> {
        var counting = sql
        counting.text = "SELECT count(*) FROM members WHERE \(filter)"
        let total = try await count(connection, counting.query)
        var sql = sql
        sql.text = """
            SELECT \(StoredSchema.memberColumns) FROM members WHERE \(filter) ORDER BY \(order)
            LIMIT \(sql.bind(Int64(page.limit))) OFFSET \(sql.bind(Int64(page.offset)))
            """
        let members = try await all(connection, sql.query).map(Self.member(from:))
        return Page(items: try await details(members, connection, realm: realmID), total: total, request: page)
    }

    public func findAccount(kind: SearchKind, value: String, in realmID: RealmID?) async throws -> MemberID? {
        try await transaction("findAccount", .reading) { connection in
            let column = StoredSchema.column(kind)
            var sql = SQLBuilder()
            let wanted = sql.bind(kind.stored(value))
            if let realmID {
                sql.text = """
                    SELECT id FROM members WHERE realm_id = \(sql.bind(realmID.rawValue))
                    AND \(column) = \(wanted) ORDER BY id LIMIT 1
                    """
            } else {
                sql.text = "SELECT id FROM members WHERE \(column) = \(wanted) ORDER BY id LIMIT 1"
            }
            return try await first(connection, sql.query).map { MemberID(canonical: try $0["id"].decode(String.self)) }
        }
    }

    func setMemberMetadata(
        _ metadata: JSONValue, of member: MemberID, in realmID: RealmID, _ connection: PostgresConnection, now: Int64
    ) async throws {
        try await requireRealm(connection, realmID)
        let updated = try await first(
            connection,
            """
            UPDATE members SET metadata = \(metadata.text), updated_at = \(now)
            WHERE realm_id = \(realmID.rawValue) AND id = \(member.rawValue) RETURNING 1
            """)
        guard updated != nil else { throw TallyError.notFound(member, in: realmID) }
    }
}
