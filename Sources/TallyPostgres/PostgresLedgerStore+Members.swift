import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    /// Most members one bulk statement inserts.
    static let importChunkRows = 1_000

    /// Inserts members a thousand per statement (arrays through `unnest`, one round trip each),
    /// each chunk under a savepoint. When a chunk clashes with a credential, it is rolled back
    /// and inserted again one row at a time, so the error names the exact row.
    ///
    /// `clash` words the error for the row at an index, given the credential that clashed (nil
    /// when it was not a credential); by default it names the row.
    func insert(
        _ members: [Member], _ connection: PostgresConnection,
        clash: ((_ index: Int, _ kind: Credentials.Kind?) -> TallyError)? = nil
    ) async throws {
        var start = 0
        while start < members.count {
            let end = min(start + Self.importChunkRows, members.count)
            let chunk = members[start..<end]
            if chunk.count == 1 || chunk.contains(where: { $0.metadata != nil }) {
                try await insertOneByOne(chunk, total: members.count, connection, clash: clash)
            } else {
                try await run(connection, "SAVEPOINT member_import_chunk")
                do {
                    try await insertBulk(chunk, connection)
                    try await run(connection, "RELEASE SAVEPOINT member_import_chunk")
                } catch  where Self.isUniqueViolation(error) {
                    try await run(connection, "ROLLBACK TO SAVEPOINT member_import_chunk")
                    try await insertOneByOne(chunk, total: members.count, connection, clash: clash)
                }
            }
            start = end
        }
    }

    /// One statement for the chunk. Credentials are never empty once validated, so an empty
    /// string stands for NULL in the arrays (postgres-nio encodes no optional elements).
    private func insertBulk(_ chunk: ArraySlice<Member>, _ connection: PostgresConnection) async throws {
        func column(_ kind: Credentials.Kind) -> [String] { chunk.map { $0.credentials[kind] ?? "" } }
        func key(_ kind: Credentials.Kind) -> [String] { chunk.map { $0.credentials.matchKey(kind) ?? "" } }
        let realms = chunk.map(\.realmID.rawValue)
        let ids = chunk.map(\.id.rawValue)
        let chains = chunk.map { $0.credentials.walletChain ?? "" }
        let walletNames = chunk.map { $0.credentials.walletName ?? "" }
        let created = chunk.map(\.createdAtMilliseconds)
        let updated = chunk.map(\.updatedAtMilliseconds)
        try await run(
            connection,
            """
            INSERT INTO members (realm_id, id, username, discord_id, twitter_id, wallet, email, wallet_key, email_key,
                wallet_chain, wallet_name, metadata, created_at, updated_at)
            SELECT r, i, NULLIF(u, ''), NULLIF(d, ''), NULLIF(t, ''), NULLIF(w, ''), NULLIF(e, ''), NULLIF(wk, ''),
                NULLIF(ek, ''), NULLIF(wc, ''), NULLIF(wn, ''), NULL, c, m
            FROM unnest(\(realms)::text[], \(ids)::text[], \(column(.username))::text[], \(column(.discordId))::text[],
                \(column(.twitterId))::text[], \(column(.wallet))::text[], \(column(.email))::text[],
                \(key(.wallet))::text[], \(key(.email))::text[], \(chains)::text[], \(walletNames)::text[],
                \(created)::int8[], \(updated)::int8[]) AS v(r, i, u, d, t, w, e, wk, ek, wc, wn, c, m)
            """)
    }

    /// Inserts members one statement each, so that a clash names its row exactly.
    private func insertOneByOne(
        _ members: ArraySlice<Member>, total: Int, _ connection: PostgresConnection,
        clash: ((_ index: Int, _ kind: Credentials.Kind?) -> TallyError)?
    ) async throws {
        for (index, member) in zip(members.indices, members) {
            do {
                try await run(connection, Self.statements.insert(member).query)
            } catch  where Self.isUniqueViolation(error) {
                let kind = Self.credentialKind(error)
                throw clash?(index, kind)
                    ?? .credentialTaken(kind, of: member.credentials, row: index, rows: total)
            }
        }
    }

    /// The credential whose unique index (on its match column) a clash names, or nil.
    static func credentialKind(_ error: any Error) -> Credentials.Kind? {
        let name = constraint(error) ?? ""
        return Credentials.Kind.allCases.first { name == "members_\(StoredSchema.matchColumn($0))" }
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
        try await row(connection, Self.statements.member(id, in: realmID)).map(Member.init(stored:))
    }

    public func listMembers(in realmID: RealmID, query: MemberQuery) async throws -> Page<MemberDetails> {
        try await transaction("listMembers", .reading) { connection in
            try await requireRealm(connection, realmID)
            return try await memberPage(connection, Self.statements.members(in: realmID, query), realm: realmID)
        }
    }

    public func searchMembers(
        in realmID: RealmID, kind: SearchKind, values: [String], page: PageRequest
    ) async throws -> Page<MemberDetails> {
        try await transaction("searchMembers", .reading) { connection in
            try await requireRealm(connection, realmID)
            guard let list = Self.statements.members(in: realmID, matching: kind, values, page) else {
                return Page(items: [], total: 0, request: page)
            }
            return try await memberPage(connection, list, realm: realmID)
        }
    }

    /// One page of the members `list` selects, with their balances.
    private func memberPage(
        _ connection: PostgresConnection, _ list: StoredStatements.PageStatements, realm realmID: RealmID
    ) async throws -> Page<MemberDetails> {
        let members = try await rows(connection, list.rows).map(Member.init(stored:))
        return Page(
            items: try await details(members, connection, realm: realmID),
            total: try await count(connection, list.count.query), request: list.request)
    }

    public func findAccount(kind: SearchKind, value: String, in realmID: RealmID?) async throws -> MemberID? {
        try await transaction("findAccount", .reading) { connection in
            try await row(connection, Self.statements.account(kind, value, in: realmID)).map {
                MemberID(canonical: try $0.text("id"))
            }
        }
    }

    func setMemberMetadata(
        _ metadata: JSONValue, of member: MemberID, in realmID: RealmID, _ connection: PostgresConnection, now: Int64
    ) async throws {
        try await requireRealm(connection, realmID)
        guard try await row(connection, Self.statements.setMetadata(metadata, of: member, in: realmID, now: now)) != nil
        else { throw TallyError.notFound(member, in: realmID) }
    }
}
