import Hummingbird
import TallyCore
import TallyRepresentations

/// The tag `Currencies`: list, get, create, update, metadata, archive, unarchive. A currency id
/// that is not 24 hex digits cannot exist, so it answers 404 like an unknown one.
struct CurrenciesController {
    let store: any LedgerStore
    let limits: Limits

    typealias CurrencyList = Representation.ListBody<Representation.CurrencyBody, Representation.OffsetMeta>

    enum Status: String, CaseIterable { case active, archived }

    /// `GET /api/v1/realms/{realmId}/currencies` with paging, search, sorting and filters.
    @Sendable func list(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let query = QueryReader(request)
        let status = try query.choice("status", Status.self)
        let currencies = try await store.listCurrencies(
            in: realmID,
            query: CurrencyQuery(
                page: try query.pageRequest(limits: limits),
                search: try query.string("search", maxLength: QueryReader.searchLengthMax),
                sortField: try query.choice("sortBy", CurrencyQuery.SortField.self) ?? .createdAt,
                order: try query.choice("sortOrder", SortOrder.self) ?? .ascending,
                includeArchived: try query.boolean("includeArchived") ?? false,
                archived: status.map { $0 == .archived }, isDefault: try query.boolean("isDefault")))
        return JSONResponse.make(
            .ok, CurrencyList(currencies.items.map(Representation.CurrencyBody.init), meta: .init(currencies)))
    }

    struct CreateBody: Decodable {
        let name: String
        let emoji: String?
        let customEmojiUrl: String?
        let metadata: JSONValue?
        let `default`: Bool?
        let minimumBalance: Int64?
        let maximumBalance: Int64?
        let transferable: Bool?
    }

    /// `POST /api/v1/realms/{realmId}/currencies`: 201 with the bare currency.
    @Sendable func create(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let bytes = try await JSONBody.collect(request, limits: limits)
        let body = try JSONBody.decode(CreateBody.self, from: bytes)
        let draft = CurrencyDraft(
            name: body.name, emoji: body.emoji, customEmojiURL: body.customEmojiUrl, metadata: body.metadata,
            isDefault: body.default ?? false, minimumBalance: body.minimumBalance ?? 0,
            maximumBalance: body.maximumBalance, isTransferable: body.transferable ?? true)
        return try await IdempotentWrite.run(
            .createCurrency(draft, realm: realmID), store: store, request: request, context: context, body: bytes
        ) { JSONResponse.stored(.created, Representation.CurrencyBody($0.currency)) }
    }

    /// The path's currency, or 404 (for the realm first, then the currency).
    func currency(_ context: TallyRequestContext, _ realmID: RealmID) async throws -> Currency {
        let text = context.parameters.get("currencyId") ?? ""
        guard let id = CurrencyID(text) else {
            // No currency has this id, so only the realm is left to look up.
            _ = try await store.realm(realmID)
            throw TallyError.unknownCurrency(named: text, in: realmID)
        }
        return try await store.currency(id, in: realmID)
    }

    /// `GET /api/v1/realms/{realmId}/currencies/{currencyId}`: `{"data": Currency}`.
    @Sendable func get(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        return JSONResponse.make(
            .ok, Representation.DataBody(Representation.CurrencyBody(try await currency(context, realmID))))
    }

    struct UpdateBody: Decodable {
        var patch = CurrencyPatch()

        enum CodingKeys: String, CodingKey {
            case name, emoji, customEmojiUrl, metadata, `default`, minimumBalance, maximumBalance, transferable
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            patch.name = try container.decodeIfPresent(String.self, forKey: .name)
            patch.emoji = try container.decodePatch(String.self, forKey: .emoji)
            patch.customEmojiURL = try container.decodePatch(String.self, forKey: .customEmojiUrl)
            patch.metadata = try container.decodeIfPresent(JSONValue.self, forKey: .metadata)
            patch.isDefault = try container.decodeIfPresent(Bool.self, forKey: .default)
            if container.contains(.minimumBalance) {
                patch.minimumBalance = try JSONBody.decodeAmount(container, forKey: .minimumBalance)
            }
            if container.contains(.maximumBalance) {
                patch.maximumBalance =
                    try container.decodeNil(forKey: .maximumBalance)
                    ? .some(nil) : .some(try JSONBody.decodeAmount(container, forKey: .maximumBalance))
            }
            patch.isTransferable = try container.decodeIfPresent(Bool.self, forKey: .transferable)
        }
    }

    /// `PATCH /api/v1/realms/{realmId}/currencies/{currencyId}`: the bare updated currency.
    @Sendable func update(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let existing = try await currency(context, realmID)
        let bytes = try await JSONBody.collect(request, limits: limits)
        let body = try JSONBody.decode(UpdateBody.self, from: bytes)
        return try await IdempotentWrite.run(
            .updateCurrency(existing.id, realm: realmID, patch: body.patch), store: store, request: request,
            context: context, body: bytes
        ) { JSONResponse.stored(.ok, Representation.CurrencyBody($0.currency)) }
    }

    struct MetadataBody: Decodable {
        let metadata: JSONValue
    }

    /// `PATCH /api/v1/realms/{realmId}/currencies/{currencyId}/metadata`: 204.
    @Sendable func metadata(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let existing = try await currency(context, realmID)
        let bytes = try await JSONBody.collect(request, limits: limits)
        let body = try JSONBody.decode(MetadataBody.self, from: bytes)
        var patch = CurrencyPatch()
        patch.metadata = try body.metadata.validatedMetadata(limits: limits)
        return try await IdempotentWrite.run(
            .updateCurrency(existing.id, realm: realmID, patch: patch), store: store, request: request,
            context: context, body: bytes
        ) { _ in StoredResponse(status: 204, body: []) }
    }

    /// `DELETE /api/v1/realms/{realmId}/currencies/{currencyId}`: archives (204); balances and
    /// the journal stay, and the currency accepts no more changes.
    @Sendable func archive(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        _ = try await store.setCurrencyArchived(try await currency(context, realmID).id, in: realmID, archived: true)
        return Response(status: .noContent)
    }

    /// `POST /api/v1/realms/{realmId}/currencies/{currencyId}/unarchive`: 204.
    @Sendable func unarchive(_ request: Request, context: TallyRequestContext, realmID: RealmID) async throws
        -> Response
    {
        let id = try await currency(context, realmID).id
        return try await IdempotentWrite.run(
            .setCurrencyArchived(id, realm: realmID, archived: false), store: store, request: request, context: context,
            body: nil
        ) { _ in StoredResponse(status: 204, body: []) }
    }
}
