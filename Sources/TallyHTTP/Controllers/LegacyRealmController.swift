import Hummingbird
import TallyCore
import TallyRepresentations

/// DRIP's legacy v4 Realm-Controller routes (reference section 1.13), which public bots still
/// call, served under `/api/v4/realms/{realmId}` with the tag `Compatibility`. A member may be
/// named by its drip id or by its Discord user id, in the path and in bodies (there possibly as a
/// JSON number); `TallyCore`'s `MemberReference` and `LedgerReadModel.resolve` turn either into a
/// member. The writes go through the same atomic, journaled, idempotent path as their v1
/// equivalents (`store.perform` behind `IdempotentWrite`), with the same kinds of journal entry.
struct LegacyRealmController {
    let store: any LedgerStore
    let limits: Limits

    /// The path's `memberId`: a drip id or a Discord user id.
    func pathMember(_ context: TallyRequestContext) throws(TallyError) -> MemberReference {
        guard let reference = MemberReference(context.parameters.get("memberId") ?? "") else {
            throw .validation(
                "memberId must be a drip id (\(RealmID.textLength) hexadecimal digits) or a Discord user id (1 to \(MemberReference.discordIDLengthMax) digits)."
            )
        }
        return reference
    }

    /// `{"message": "Ok"}`, the legacy answer of the batch and the transfer.
    struct OkBody: Encodable {
        let message = "Ok"
    }

    // MARK: Member

    /// `GET /api/v4/realms/{realmId}/members/{memberId}`: the v1 member shape with `balances` as
    /// an object from currency id to balance.
    @Sendable func member(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let reference = try pathMember(context)
        let id = try await store.memberID(of: reference, in: realmID, limits: limits)
        let details = try await store.memberDetails(id, in: realmID)
        return JSONResponse.make(.ok, Representation.RealmMemberBody(details, balances: .map))
    }

    // MARK: Single update

    struct TokenBalanceBody: Decodable {
        let fields: BalancesController.ChangeFields

        init(from decoder: any Decoder) throws {
            fields = try .init(try decoder.container(keyedBy: AnyKey.self), amountName: "tokens")
        }
    }

    struct TokenBalanceResponse: Encodable {
        let newBalance: Int64
    }

    /// `PATCH /api/v4/realms/{realmId}/members/{memberId}/tokenBalance` with `{tokens,
    /// realmPointId?}`: the single update, answered `{newBalance}`.
    @Sendable func tokenBalance(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let reference = try pathMember(context)
        let bytes = try await JSONBody.collect(request, limits: limits)
        let fields = try JSONBody.decode(TokenBalanceBody.self, from: bytes).fields
        let change = ReferencedChange(
            member: reference, amount: fields.amount,
            currencyID: try IDField.currency(fields.currencyId, field: "realmPointId"))
        try Batch.checkInitiator(fields.initiatorId, limits: limits)
        let changes = try await store.resolve([change], in: realmID, kind: .single, limits: limits)
        let batch = try Batch(
            realmID: realmID, changes: changes, initiatorID: fields.initiatorId, kind: .single, limits: limits)
        return try await IdempotentWrite.run(
            .apply(batch), store: store, request: request, context: context, body: bytes
        ) {
            JSONResponse.stored(.ok, TokenBalanceResponse(newBalance: $0.receipt.changes[0].balanceAfter))
        }
    }

    // MARK: Batch

    struct BatchBody: Decodable {
        struct Entry: Decodable {
            let member: MemberReference
            let fields: BalancesController.ChangeFields

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: AnyKey.self)
                guard
                    let member = try container.decodeMemberReference(forKeys: [AnyKey("memberId"), AnyKey("dripId")])
                else {
                    throw DecodingError.keyNotFound(
                        AnyKey("memberId"), .init(codingPath: container.codingPath, debugDescription: ""))
                }
                self.member = member
                fields = try .init(container, amountName: "tokens")
            }
        }
        let entries: [Entry]
        let description: String?
        let initiatorId: String?
    }

    /// `PATCH /api/v4/realms/{realmId}/members/tokenBalance` with `{description?, entries:
    /// [{memberId, tokens, realmPointId?}]}`: the batch, all or nothing, answered `{message:
    /// "Ok"}`. `description` is kept as the journal's initiator text when no `initiatorId` is
    /// sent (the journal has no other place for it).
    @Sendable func batch(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let bytes = try await JSONBody.collect(request, limits: limits)
        let body = try JSONBody.decode(BatchBody.self, from: bytes)
        try Batch.checkSize(body.entries.count, field: "entries", limits: limits)
        var changes = [ReferencedChange]()
        changes.reserveCapacity(body.entries.count)
        for (index, entry) in body.entries.enumerated() {
            changes.append(
                ReferencedChange(
                    member: entry.member, amount: entry.fields.amount,
                    currencyID: try IDField.currency(entry.fields.currencyId, field: "entries[\(index)].realmPointId")))
        }
        try Batch.checkInitiator(body.initiatorId, limits: limits)
        try Batch.checkInitiator(body.description, field: "description", limits: limits)
        let initiator = body.initiatorId ?? body.description.flatMap { $0.isEmpty ? nil : $0 }
        let resolved = try await store.resolve(changes, in: realmID, kind: .batch, limits: limits)
        let batch = try Batch(realmID: realmID, changes: resolved, initiatorID: initiator, kind: .batch, limits: limits)
        return try await IdempotentWrite.run(
            .apply(batch), store: store, request: request, context: context, body: bytes
        ) { _ in
            JSONResponse.stored(.ok, OkBody())
        }
    }

    // MARK: Transfer

    struct TransferBody: Decodable {
        let fields: BalancesController.ChangeFields
        let recipient: MemberReference

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            fields = try .init(container, amountName: "tokens")
            guard let recipient = try container.decodeMemberReference(forKeys: [AnyKey("recipientId")]) else {
                throw DecodingError.keyNotFound(AnyKey("recipientId"), .init(codingPath: [], debugDescription: ""))
            }
            self.recipient = recipient
        }
    }

    /// `PATCH /api/v4/realms/{realmId}/members/{memberId}/transfer` with `{recipientId, tokens,
    /// realmPointId?}`: the path member sends; answered `{message: "Ok"}`.
    @Sendable func transfer(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let sender = try pathMember(context)
        let bytes = try await JSONBody.collect(request, limits: limits)
        let body = try JSONBody.decode(TransferBody.self, from: bytes)
        let amount = body.fields.amount
        try Transfer.checkAmount(amount)
        let currency = try IDField.currency(body.fields.currencyId, field: "realmPointId")
        try Batch.checkInitiator(body.fields.initiatorId, limits: limits)
        let parties = try await store.resolve(
            [
                ReferencedChange(member: sender, amount: -amount, currencyID: currency),
                ReferencedChange(member: body.recipient, amount: amount, currencyID: currency),
            ], in: realmID, kind: .transfer, limits: limits)
        let batch = try Transfer.batch(
            realm: realmID, sender: parties[0].memberID, recipient: parties[1].memberID, amount: amount,
            currency: currency, initiatorID: body.fields.initiatorId, limits: limits)
        return try await IdempotentWrite.run(
            .apply(batch), store: store, request: request, context: context, body: bytes
        ) { _ in
            JSONResponse.stored(.ok, OkBody())
        }
    }

    // MARK: Leaderboard

    struct LeaderboardEntryBody: Encodable {
        let userId: String
        let id: String
        let username: String?
        let balance: Int64
        let rank: Int

        enum CodingKeys: String, CodingKey { case userId, id, username, balance, rank }

        /// Writes every field, a missing username as null.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(userId, forKey: .userId)
            try container.encode(id, forKey: .id)
            try container.encode(username, forKey: .username)
            try container.encode(balance, forKey: .balance)
            try container.encode(rank, forKey: .rank)
        }
    }

    /// `GET /api/v4/realms/{realmId}/leaderboard?limit=&realmPointId=`: a bare array of `{userId,
    /// id, username, balance, rank}`, highest first, in the default currency when none is named;
    /// `userId` is the member's Discord id when it has one, else its drip id.
    @Sendable func leaderboard(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let query = QueryReader(request)
        let named = try query.string("realmPointId", maxLength: 64) ?? query.string("currencyId", maxLength: 64)
        let currency = try IDField.currency(named.flatMap { $0.isEmpty ? nil : $0 }, field: "realmPointId")
        let limit = try query.integer("limit", default: 10, range: 1...limits.pageSizeMax)
        let board = try await store.leaderboard(in: realmID, currency: currency, after: nil, take: limit)
        return JSONResponse.make(
            .ok,
            board.entries.map {
                LeaderboardEntryBody(
                    userId: $0.member.credentials.discordId ?? $0.member.id.rawValue, id: $0.member.id.rawValue,
                    username: $0.member.credentials.username, balance: $0.balance, rank: $0.rank)
            })
    }
}
