import Hummingbird
import TallyCore

/// The tag `Realm-Members-Balances`: the batch endpoint, single updates and transfers, plus the
/// older spellings real bots still send (`point-balance`, `batch-point-balance`, `tokens`,
/// `memberId`, `realmPointId`). All three share one atomic, journaled path: `store.apply`.
struct BalancesController {
    let store: any LedgerStore
    let limits: Limits

    // MARK: Batch

    struct BatchBody: Decodable {
        struct Update: Decodable {
            let dripId: String
            let amount: Int64
            let currencyId: String?

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: AnyKey.self)
                guard
                    let dripId = try container.decodeFirst(
                        String.self, forKeys: [AnyKey("dripId"), AnyKey("memberId")])
                else {
                    throw DecodingError.keyNotFound(
                        AnyKey("dripId"), .init(codingPath: container.codingPath, debugDescription: ""))
                }
                guard let amount = try container.decodeAmount(forKeys: [AnyKey("amount"), AnyKey("tokens")]) else {
                    throw DecodingError.keyNotFound(
                        AnyKey("amount"), .init(codingPath: container.codingPath, debugDescription: ""))
                }
                self.dripId = dripId
                self.amount = amount
                currencyId = try container.decodeFirst(
                    String.self, forKeys: [AnyKey("currencyId"), AnyKey("realmPointId")])
            }
        }
        let updates: [Update]
        let initiatorId: String?
    }

    struct BatchResponse: Encodable {
        struct Item: Encodable {
            let dripId: String
            let currencyId: String
            let balance: Int64
            let newBalance: Int64
        }
        let success: Bool
        let updates: [Item]
    }

    /// `PATCH /api/v1/realms/{realmId}/members/transaction` (SPEC section 2).
    @Sendable func batch(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let bytes = try await JSONBody.collect(request, limits: limits)
        let body = try JSONBody.decode(BatchBody.self, from: bytes)
        try Batch.checkSize(body.updates.count, limits: limits)
        var changes = [Change]()
        changes.reserveCapacity(body.updates.count)
        for (index, update) in body.updates.enumerated() {
            changes.append(
                Change(
                    memberID: try IDField.member(update.dripId, field: "updates[\(index)].dripId"),
                    amount: update.amount,
                    currencyID: try IDField.currency(update.currencyId, field: "updates[\(index)].currencyId")))
        }
        let batch = try Batch(
            realmID: realmID, changes: changes, initiatorID: body.initiatorId, kind: .batch, limits: limits)
        return try await IdempotentWrite.run(
            .apply(batch), store: store, request: request, context: context, body: bytes
        ) {
            let items = $0.receipt.changes.map {
                BatchResponse.Item(
                    dripId: $0.memberID.rawValue, currencyId: $0.currencyID.rawValue, balance: $0.balanceBefore,
                    newBalance: $0.balanceAfter)
            }
            return JSONResponse.stored(.ok, BatchResponse(success: true, updates: items))
        }
    }

    // MARK: Single update

    /// The fields a single update and a transfer share, under their DRIP names and the older
    /// ones bots still send (`tokens`, `realmPointId`); also an entry of a legacy v4 batch.
    struct ChangeFields {
        let amount: Int64
        let currencyId: String?
        let initiatorId: String?

        /// Reads the fields from `container`; a missing amount is named `amountName` (`tokens`
        /// on the legacy v4 routes, whose bots know only that name).
        init(_ container: KeyedDecodingContainer<AnyKey>, amountName: String = "amount") throws {
            guard let amount = try container.decodeAmount(forKeys: [AnyKey("amount"), AnyKey("tokens")]) else {
                throw DecodingError.keyNotFound(
                    AnyKey(amountName), .init(codingPath: container.codingPath, debugDescription: ""))
            }
            self.amount = amount
            currencyId = try container.decodeFirst(
                String.self, forKeys: [AnyKey("currencyId"), AnyKey("realmPointId")])
            initiatorId = try container.decodeFirst(String.self, forKeys: [AnyKey("initiatorId")])
        }
    }

    struct SingleBody: Decodable {
        let fields: ChangeFields

        init(from decoder: any Decoder) throws {
            fields = try ChangeFields(try decoder.container(keyedBy: AnyKey.self))
        }
    }

    struct SingleResponse: Encodable {
        let id: String
        let dripId: String
        let balance: Int64
        let currencyId: String
    }

    /// `PATCH /api/v1/realms/{realmId}/members/{dripId}/balance`: `balance` is the new balance and
    /// `id` the journal entry.
    @Sendable func single(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let memberID = try IDField.member(context.parameters.get("dripId") ?? "", field: "dripId")
        let bytes = try await JSONBody.collect(request, limits: limits)
        let body = try JSONBody.decode(SingleBody.self, from: bytes)
        let batch = try Batch(
            realmID: realmID,
            changes: [
                Change(
                    memberID: memberID, amount: body.fields.amount,
                    currencyID: try IDField.currency(body.fields.currencyId, field: "currencyId"))
            ],
            initiatorID: body.fields.initiatorId, kind: .single, limits: limits)
        return try await IdempotentWrite.run(
            .apply(batch), store: store, request: request, context: context, body: bytes
        ) {
            let applied = $0.receipt.changes[0]
            return JSONResponse.stored(
                .ok,
                SingleResponse(
                    id: applied.entryID.rawValue, dripId: applied.memberID.rawValue, balance: applied.balanceAfter,
                    currencyId: applied.currencyID.rawValue))
        }
    }

    // MARK: Transfer

    struct TransferBody: Decodable {
        let fields: ChangeFields
        let recipientId: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            fields = try ChangeFields(container)
            guard let recipient = try container.decodeFirst(String.self, forKeys: [AnyKey("recipientId")]) else {
                throw DecodingError.keyNotFound(AnyKey("recipientId"), .init(codingPath: [], debugDescription: ""))
            }
            recipientId = recipient
        }
    }

    struct TransferResponse: Encodable {
        let id: String
        let senderId: String
        let recipientId: String
        let balance: Int64
        let currencyId: String
    }

    /// `PATCH /api/v1/realms/{realmId}/members/{dripId}/transfer`: the path member sends; `balance`
    /// is the sender's new balance and `id` the sender's journal entry.
    @Sendable func transfer(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let sender = try IDField.member(context.parameters.get("dripId") ?? "", field: "dripId")
        let bytes = try await JSONBody.collect(request, limits: limits)
        let body = try JSONBody.decode(TransferBody.self, from: bytes)
        let batch = try Transfer.batch(
            realm: realmID, sender: sender, recipient: try IDField.member(body.recipientId, field: "recipientId"),
            amount: body.fields.amount, currency: try IDField.currency(body.fields.currencyId, field: "currencyId"),
            initiatorID: body.fields.initiatorId, limits: limits)
        return try await IdempotentWrite.run(
            .apply(batch), store: store, request: request, context: context, body: bytes
        ) {
            let receipt = $0.receipt
            let debit = receipt.changes[0]
            return JSONResponse.stored(
                .ok,
                TransferResponse(
                    id: debit.entryID.rawValue, senderId: debit.memberID.rawValue,
                    recipientId: receipt.changes[1].memberID.rawValue, balance: debit.balanceAfter,
                    currencyId: debit.currencyID.rawValue))
        }
    }
}
