import Hummingbird
import TallyCore

/// The tag `Accounts`: `GET /api/v1/accounts/find?type=&values=` resolves a dripId from a
/// credential. A realm key looks only in its own realm; an admin key in every realm.
struct AccountsController {
    let store: any LedgerStore
    let limits: Limits

    struct Found: Encodable, Sendable {
        let data: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(data, forKey: .data)
        }

        enum CodingKeys: String, CodingKey { case data }
    }

    /// `GET /api/v1/accounts/find`: the first value that names a member, or `{"data": null}`.
    @Sendable func find(_ request: Request, context: TallyRequestContext, key: APIKey) async throws -> Response {
        let query = QueryReader(request)
        let typeText = try query.required("type", maxLength: 32)
        guard let kind = SearchKind(dripType: typeText), kind != .dripId else {
            throw TallyError.validation("type must be one of: twitter-id, discord-id, wallet, email, username.")
        }
        let values =
            try query.string("values", maxLength: QueryReader.valuesLengthMax)
            ?? query.string("value", maxLength: QueryReader.valuesLengthMax)
        let candidates = (values ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard !candidates.isEmpty else { throw TallyError.validation("The query parameter values is required.") }
        guard candidates.count <= limits.searchValuesMax else {
            throw TallyError.validation("values may hold at most \(limits.searchValuesMax) values.")
        }
        for value in candidates {
            if let found = try await store.findAccount(kind: kind, value: value, in: key.realmID) {
                return JSONResponse.make(.ok, Found(data: found.rawValue))
            }
        }
        return JSONResponse.make(.ok, Found(data: nil))
    }
}
