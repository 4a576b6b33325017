import Hummingbird
import TallyCore
import TallyRepresentations

/// The tag `Realms`: get a realm; and Tally's create-realm for admin keys.
struct RealmsController {
    let store: any LedgerStore
    let limits: Limits

    /// `GET /api/v1/realms/{realmId}`: the bare realm.
    @Sendable func get(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        JSONResponse.make(.ok, Representation.RealmBody(try await store.realm(realmID)))
    }

    struct CreateBody: Decodable {
        let name: String
        let description: String?
        let subdomain: String?
    }

    /// `POST /api/v1/realms` (Tally, admin key): 201 with the new realm.
    @Sendable func create(_ request: Request, context: TallyRequestContext, key: APIKey) async throws -> Response {
        let bytes = try await JSONBody.collect(request, limits: limits)
        let body = try JSONBody.decode(CreateBody.self, from: bytes)
        let draft = RealmDraft(name: body.name, description: body.description ?? "", subdomain: body.subdomain)
        return try await IdempotentWrite.run(
            .createRealm(draft), store: store, request: request, context: context, body: bytes
        ) { JSONResponse.stored(.created, Representation.RealmBody($0.realm)) }
    }
}
