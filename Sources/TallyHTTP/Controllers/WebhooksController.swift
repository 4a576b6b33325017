import Hummingbird
import TallyCore
import TallyRepresentations

/// A realm's webhook subscriptions (docs/EVENTS.md), scope `webhooks:write`. The signing secret
/// is in the answer to a creation and to a rotation, and nowhere else; these requests do not
/// take `Idempotency-Key`, since a stored answer would keep the secret.
struct WebhooksController {
    let store: any LedgerStore
    let limits: Limits
    let clock: TallyClock
    /// Whether receivers on loopback, link-local and private addresses are allowed
    /// (`serve --webhooks-allow-private`).
    let allowPrivate: Bool

    /// Most attempts one request lists.
    static let attemptsLimitMax = 100

    struct CreateBody: Decodable {
        let url: String
        let types: [String]?
        let enabled: Bool?
    }

    struct UpdateBody: Decodable {
        var url: String?
        var types: [String]??
        var enabled: Bool?
        var rotateSecret: Bool?

        enum CodingKeys: String, CodingKey { case url, types, enabled, rotateSecret }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            url = try container.decodeIfPresent(String.self, forKey: .url)
            types = try container.decodePatch([String].self, forKey: .types)
            enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled)
            rotateSecret = try container.decodeIfPresent(Bool.self, forKey: .rotateSecret)
        }
    }

    /// `POST /api/v1/realms/{realmId}/webhooks`: 201 with the subscription and its secret.
    @Sendable func create(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let body = try await JSONBody.decode(CreateBody.self, from: request, limits: limits)
        let url = try WebhookURL(body.url, allowPrivate: allowPrivate, limits: limits)
        let draft = WebhookDraft(
            id: IDGenerator().make(), realmID: realmID, url: url.text, types: try Self.types(body.types),
            enabled: body.enabled ?? true, secret: WebhookSecret())
        let webhook = try await store.createWebhook(
            draft, limit: limits.webhooksPerRealmMax, now: clock.now.millisecondsSince1970)
        return JSONResponse.make(.created, Representation.WebhookBody(webhook, showingSecret: true))
    }

    /// `GET /api/v1/realms/{realmId}/webhooks`: `{"data": [subscriptions]}`, oldest first.
    @Sendable func list(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws -> Response {
        let webhooks = try await store.webhooks(in: realmID)
        return JSONResponse.make(.ok, Representation.DataBody(webhooks.map { Representation.WebhookBody($0) }))
    }

    /// `GET /api/v1/realms/{realmId}/webhooks/{webhookId}`: `{"data": subscription}`.
    @Sendable func get(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws -> Response {
        let id = try await webhookID(context, realmID)
        guard let webhook = try await store.webhook(id, in: realmID) else { throw Self.notFound(id) }
        return JSONResponse.make(.ok, Representation.DataBody(Representation.WebhookBody(webhook)))
    }

    /// `PATCH /api/v1/realms/{realmId}/webhooks/{webhookId}`: the subscription; with
    /// `"rotateSecret": true`, a new secret, shown in this answer once.
    @Sendable func update(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let id = try await webhookID(context, realmID)
        let body = try await JSONBody.decode(UpdateBody.self, from: request, limits: limits)
        let rotate = body.rotateSecret ?? false
        let patch = WebhookPatch(
            url: try body.url.map { try WebhookURL($0, allowPrivate: allowPrivate, limits: limits).text },
            types: try body.types.map { try Self.types($0) }, enabled: body.enabled,
            secret: rotate ? WebhookSecret() : nil)
        guard
            let webhook = try await store.updateWebhook(id, in: realmID, patch, now: clock.now.millisecondsSince1970)
        else { throw Self.notFound(id) }
        return JSONResponse.make(.ok, Representation.WebhookBody(webhook, showingSecret: rotate))
    }

    /// `DELETE /api/v1/realms/{realmId}/webhooks/{webhookId}`: 204; no delivery starts after it.
    @Sendable func delete(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let id = try await webhookID(context, realmID)
        guard try await store.deleteWebhook(id, in: realmID) else { throw Self.notFound(id) }
        return Response(status: .noContent)
    }

    /// `POST /api/v1/realms/{realmId}/webhooks/{webhookId}/redeliver?from=SEQ`: delivery goes on
    /// from event `from` (the first of those at or after it the subscription receives).
    @Sendable func redeliver(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let id = try await webhookID(context, realmID)
        let query = QueryReader(request)
        guard try query.string("from", maxLength: 20) != nil else {
            throw TallyError.validation("from is required: the seq of the first event to deliver again.")
        }
        let from = try query.integer("from", default: 1, range: 1...Int.max)
        guard
            let webhook = try await store.redeliverWebhook(
                id, in: realmID, from: Int64(from), now: clock.now.millisecondsSince1970)
        else { throw Self.notFound(id) }
        return JSONResponse.make(.ok, Representation.WebhookBody(webhook))
    }

    /// `GET /api/v1/realms/{realmId}/webhooks/{webhookId}/attempts?limit=N`: the latest attempts,
    /// newest first.
    @Sendable func attempts(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let id = try await webhookID(context, realmID)
        let limit = try QueryReader(request).integer(
            "limit", default: min(50, Self.attemptsLimitMax), range: 1...Self.attemptsLimitMax)
        guard let attempts = try await store.deliveryAttempts(of: id, in: realmID, limit: limit) else {
            throw Self.notFound(id)
        }
        return JSONResponse.make(.ok, Representation.DataBody(attempts.map(Representation.DeliveryAttemptBody.init)))
    }

    /// The path's subscription id; one that is not 24 hex digits cannot exist (404, after the
    /// realm is looked up).
    func webhookID(_ context: TallyRequestContext, _ realmID: RealmID) async throws -> WebhookID {
        let text = context.parameters.get("webhookId") ?? ""
        guard let id = WebhookID(text) else {
            _ = try await store.realm(realmID)
            throw TallyError(.notFound, "No webhook subscription '\(text.prefix(64))' in this realm.")
        }
        return id
    }

    static func notFound(_ id: WebhookID) -> TallyError {
        TallyError(.notFound, "No webhook subscription \(id) in this realm.")
    }

    /// The types named, or nil for every type; an unknown name or an empty list is 400.
    static func types(_ names: [String]?) throws(TallyError) -> Set<EventType>? {
        guard let names else { return nil }
        return try EventType.parse(names, field: "types (leave it out, or null, for every type)")
    }
}
