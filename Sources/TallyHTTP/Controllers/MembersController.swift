import Hummingbird
import TallyCore
import TallyRepresentations

/// The tag `Realm-Members` (list, search, leaderboard, metadata) and Tally's member extensions
/// (create, get one, journal).
struct MembersController {
    let store: any LedgerStore
    let limits: Limits

    /// DRIP's `sortBy` vocabulary, as the document lists it and the error names it.
    static let sortByValues = [
        "username", "displayName", "firstVisit", "lastVisit", "updatedAt", "lastActive", "createdAt", "joinedAt",
        "name",
        "user", "status",
    ]

    typealias MemberList = Representation.ListBody<Representation.RealmMemberBody, Representation.OffsetMeta>

    /// `GET /api/v1/realms/{realmId}/members/` with `page`, `limit`, `search`, `sortBy`, `sortOrder`.
    @Sendable func list(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let query = QueryReader(request)
        var sortField = MemberQuery.SortField.joined
        if let sortBy = try query.string("sortBy", maxLength: 64), !sortBy.isEmpty {
            guard let field = MemberQuery.sortField(dripSortBy: sortBy) else {
                throw TallyError.validation("sortBy must be one of: \(Self.sortByValues.joined(separator: ", ")).")
            }
            sortField = field
        }
        let page = try await store.listMembers(
            in: realmID,
            query: MemberQuery(
                page: try query.pageRequest(limits: limits),
                search: try query.string("search", maxLength: QueryReader.searchLengthMax), sortField: sortField,
                order: try query.choice("sortOrder", SortOrder.self) ?? .ascending))
        return JSONResponse.make(
            .ok, MemberList(page.items.map(Representation.RealmMemberBody.init), meta: .init(page)))
    }

    struct SearchMeta: Encodable, Sendable {
        struct Access: Encodable, Sendable {
            let access: Bool
            let approved: Bool
            let reason: String
        }
        let total: Int
        let page: Int
        let limit: Int
        let totalPages: Int
        let credentials: Access
    }

    /// `GET /api/v1/realms/{realmId}/members/search?type=&values=` (at most 50 values).
    @Sendable func search(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let query = QueryReader(request)
        let typeText = try query.required("type", maxLength: 32)
        guard let kind = SearchKind(dripType: typeText) else {
            throw TallyError.validation(
                "type must be one of: \(SearchKind.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        let raw =
            try query.string("values", maxLength: QueryReader.valuesLengthMax)
            ?? query.string("value", maxLength: QueryReader.valuesLengthMax)
        let values = (raw ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        guard !values.isEmpty else { throw TallyError.validation("The query parameter values is required.") }
        guard values.count <= limits.searchValuesMax else {
            throw TallyError.validation("values may hold at most \(limits.searchValuesMax) comma-separated values.")
        }
        let page = try await store.searchMembers(
            in: realmID, kind: kind, values: values, page: try query.pageRequest(limits: limits))
        let meta = SearchMeta(
            total: page.total, page: page.page, limit: page.limit, totalPages: page.totalPages,
            credentials: .init(access: true, approved: true, reason: "The key has members:read."))
        return JSONResponse.make(
            .ok, Representation.ListBody(page.items.map(Representation.RealmMemberBody.init), meta: meta))
    }

    struct LeaderboardItem: Encodable, Sendable {
        let accountId: String
        let username: String?
        let displayName: String?
        let imageUrl: String?
        let balance: Int64
        let rank: Int

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(accountId, forKey: .accountId)
            try container.encode(username, forKey: .username)
            try container.encode(displayName, forKey: .displayName)
            try container.encode(imageUrl, forKey: .imageUrl)
            try container.encode(balance, forKey: .balance)
            try container.encode(rank, forKey: .rank)
        }

        enum CodingKeys: String, CodingKey { case accountId, username, displayName, imageUrl, balance, rank }
    }

    struct CursorMeta: Encodable, Sendable {
        let hasNextPage: Bool
        let hasPreviousPage: Bool
        let startCursor: String?
        let endCursor: String?
        let totalCount: Int

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(hasNextPage, forKey: .hasNextPage)
            try container.encode(hasPreviousPage, forKey: .hasPreviousPage)
            try container.encode(startCursor, forKey: .startCursor)
            try container.encode(endCursor, forKey: .endCursor)
            try container.encode(totalCount, forKey: .totalCount)
        }

        enum CodingKeys: String, CodingKey { case hasNextPage, hasPreviousPage, startCursor, endCursor, totalCount }
    }

    /// `GET /api/v1/realms/{realmId}/members/leaderboard?currencyId=&take=&after=`.
    @Sendable func leaderboard(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let query = QueryReader(request)
        let currency = try IDField.currency(
            try query.string("currencyId", maxLength: 64).flatMap { $0.isEmpty ? nil : $0 }, field: "currencyId")
        let take = try query.integer("take", default: 10, range: 1...limits.pageSizeMax)
        var cursor: LeaderboardCursor?
        if let after = try query.string("after", maxLength: 64), !after.isEmpty {
            guard let parsed = LeaderboardCursor(text: after) else {
                throw TallyError.validation("after must be a cursor returned as endCursor by a previous page.")
            }
            cursor = parsed
        }
        let board = try await store.leaderboard(in: realmID, currency: currency, after: cursor, take: take)
        let items = board.entries.map {
            LeaderboardItem(
                accountId: $0.member.id.rawValue, username: $0.member.credentials.username,
                displayName: $0.member.credentials.username, imageUrl: nil, balance: $0.balance, rank: $0.rank)
        }
        let cursorOf = { (entry: LeaderboardEntry) in
            LeaderboardCursor(balance: entry.balance, memberID: entry.member.id).text
        }
        let meta = CursorMeta(
            hasNextPage: board.hasNextPage, hasPreviousPage: cursor != nil,
            startCursor: board.entries.first.map(cursorOf),
            endCursor: board.entries.last.map(cursorOf), totalCount: board.totalCount)
        return JSONResponse.make(.ok, Representation.ListBody(items, meta: meta))
    }

    struct CreateBody: Decodable {
        let username: String?
        let discordId: String?
        let twitterId: String?
        let wallet: String?
        let email: String?
        let walletChain: String?
        let walletName: String?
        let metadata: JSONValue?
    }

    /// `POST /api/v1/realms/{realmId}/members` (Tally): 201 with the new member.
    @Sendable func create(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let bytes = try await JSONBody.collect(request, limits: limits)
        let body = try JSONBody.decode(CreateBody.self, from: bytes)
        let credentials = Credentials(
            username: body.username, discordId: body.discordId, twitterId: body.twitterId, wallet: body.wallet,
            email: body.email, walletChain: body.walletChain, walletName: body.walletName)
        let write = LedgerWrite.createMember(
            credentials, metadata: try body.metadata.map { try $0.validatedMetadata(limits: limits) }, realm: realmID)
        return try await IdempotentWrite.run(write, store: store, request: request, context: context, body: bytes) {
            JSONResponse.stored(
                .created, Representation.RealmMemberBody(MemberDetails(member: $0.member, balances: [])))
        }
    }

    /// `GET /api/v1/realms/{realmId}/members/{dripId}` (Tally): the member with its balances.
    @Sendable func get(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let memberID = try IDField.member(context.parameters.get("dripId") ?? "", field: "dripId")
        let details = try await store.memberDetails(memberID, in: realmID)
        return JSONResponse.make(.ok, Representation.RealmMemberBody(details))
    }

    struct MetadataBody: Decodable {
        let metadata: JSONValue
    }

    /// `PATCH /api/v1/realms/{realmId}/members/{dripId}/metadata`: 204.
    @Sendable func metadata(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let memberID = try IDField.member(context.parameters.get("dripId") ?? "", field: "dripId")
        let bytes = try await JSONBody.collect(request, limits: limits)
        let body = try JSONBody.decode(MetadataBody.self, from: bytes)
        let write = LedgerWrite.setMemberMetadata(
            try body.metadata.validatedMetadata(limits: limits), member: memberID, realm: realmID)
        return try await IdempotentWrite.run(write, store: store, request: request, context: context, body: bytes) {
            _ in
            StoredResponse(status: 204, body: [])
        }
    }

    struct JournalMeta: Encodable, Sendable {
        let hasNextPage: Bool
        let nextCursor: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(hasNextPage, forKey: .hasNextPage)
            try container.encode(nextCursor, forKey: .nextCursor)
        }

        enum CodingKeys: String, CodingKey { case hasNextPage, nextCursor }
    }

    /// `GET /api/v1/realms/{realmId}/members/{dripId}/transactions?limit=&cursor=` (Tally): the
    /// member's journal, newest first.
    @Sendable func journal(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let memberID = try IDField.member(context.parameters.get("dripId") ?? "", field: "dripId")
        let query = QueryReader(request)
        let limit = try query.integer("limit", default: 25, range: 1...limits.pageSizeMax)
        var before: Int64?
        if let cursor = try query.string("cursor", maxLength: 32), !cursor.isEmpty {
            guard let value = Int64(cursor), value > 0 else {
                throw TallyError.validation("cursor must be a nextCursor returned by a previous page.")
            }
            before = value
        }
        let page = try await store.journal(of: memberID, in: realmID, before: before, limit: limit)
        return JSONResponse.make(
            .ok,
            Representation.ListBody(
                page.entries.map(Representation.JournalEntryBody.init),
                meta: JournalMeta(hasNextPage: page.nextCursor != nil, nextCursor: page.nextCursor)))
    }
}
