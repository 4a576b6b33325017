import Hummingbird
import TallyCore

/// The tag `Realm-Members-Balances`: the batch endpoint (and, later, single update and transfer).
struct BalancesController {
    let store: any LedgerStore
    let limits: Limits

    func addRoutes(to group: RouterGroup<TallyRequestContext>) {
        group.patch("realms/:realmId/members/transaction", use: batch)
    }

    struct BatchBody: Decodable {
        struct Update: Decodable {
            let dripId: String
            let amount: Int64
            let currencyId: String?

            enum CodingKeys: String, CodingKey { case dripId, amount, currencyId }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                dripId = try container.decode(String.self, forKey: .dripId)
                amount = try JSONBody.decodeAmount(container, forKey: .amount)
                currencyId = try container.decodeIfPresent(String.self, forKey: .currencyId)
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
    @Sendable func batch(_ request: Request, context: TallyRequestContext) async throws -> Response {
        let realmID = try context.authorize(.pointsWrite)
        let body = try await JSONBody.decode(BatchBody.self, from: request, limits: limits)
        try Batch.checkSize(body.updates.count, limits: limits)
        var changes = [Change]()
        changes.reserveCapacity(body.updates.count)
        for (index, update) in body.updates.enumerated() {
            guard let memberID = MemberID(update.dripId) else {
                throw TallyError.validation("updates[\(index)].dripId must be 24 hexadecimal digits.")
            }
            var currencyID: CurrencyID?
            if let text = update.currencyId {
                guard let parsed = CurrencyID(text) else {
                    throw TallyError.validation("updates[\(index)].currencyId must be 24 hexadecimal digits.")
                }
                currencyID = parsed
            }
            changes.append(Change(memberID: memberID, amount: update.amount, currencyID: currencyID))
        }
        let batch = try Batch(
            realmID: realmID, changes: changes, initiatorID: body.initiatorId, kind: .batch, limits: limits)
        let receipt = try await store.apply(batch)
        let items = receipt.changes.map {
            BatchResponse.Item(
                dripId: $0.memberID.rawValue, currencyId: $0.currencyID.rawValue, balance: $0.balanceBefore,
                newBalance: $0.balanceAfter)
        }
        return JSONResponse.make(.ok, BatchResponse(success: true, updates: items))
    }
}
