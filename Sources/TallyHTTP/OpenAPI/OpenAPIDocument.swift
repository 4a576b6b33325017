import TallyCore

/// Tally's OpenAPI 3.1 document, served at `GET /docs/json`. It is built from one table of
/// operations so that every route, including the singular-prefix aliases, is described the same
/// way; `OpenAPIDocumentTests` checks it against the router, and CI fuzzes the live server from it.
public enum OpenAPIDocument {
    /// The document as JSON text (keys sorted), built once.
    public static let json: String = build().text

    struct Operation {
        enum Place { case realm, absolute }
        let method: String
        let place: Place
        let path: String
        let id: String
        let tag: String
        let summary: String
        let scope: String?
        var parameters: [JSONValue] = []
        var body: String? = nil
        let success: Int
        let schema: String?
        var extraErrors: [Int] = []
        var legacyOnly = false
    }

    static func pathParameter(_ name: String, pattern: Bool = true) -> JSONValue {
        [
            "name": .string(name), "in": "path", "required": true,
            "schema": pattern ? OpenAPISchema.objectIDInput : ["type": "string", "minLength": 1],
        ]
    }

    static func query(_ name: String, _ schema: JSONValue, required: Bool = false, description: String? = nil)
        -> JSONValue
    {
        var result: [String: JSONValue] = [
            "name": .string(name), "in": "query", "required": .bool(required), "schema": schema,
        ]
        if let description { result["description"] = .string(description) }
        return .object(result)
    }

    static let idempotencyKey: JSONValue = [
        "name": "Idempotency-Key", "in": "header", "required": false,
        "description":
            "Makes the request safe to retry: the same key with the same request replays the first response (with Idempotency-Replayed: true) and changes nothing; with a different request it is 409 IDEMPOTENCY_KEY_REUSED. Kept at least 24 hours.",
        "schema": ["type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"],
    ]

    static let page = query(
        "page", ["type": "integer", "minimum": 1, "maximum": 1_000_000], description: "1-based page")
    static let limit = query("limit", ["type": "integer", "minimum": 1, "maximum": 100], description: "items per page")
    static let dripID = pathParameter("dripId")
    static let currencyID = pathParameter("currencyId", pattern: false)
    static let searchTypes: JSONValue = [
        "type": "string",
        "enum": ["drip-id", "discord-id", "twitter-id", "wallet", "email", "username", "discord", "twitter", "drip"],
    ]

    /// Every operation; realm operations are served under `/api/v1/realms/{realmId}/` and the
    /// deprecated `/api/v1/realm/{realmId}/`.
    static let operations: [Operation] = [
        // Realm-Members-Balances
        Operation(
            method: "patch", place: .realm, path: "members/transaction", id: "batchUpdateMemberBalance",
            tag: "Realm-Members-Balances", summary: "Batch Update Member Balance Of A Currency (all or nothing)",
            scope: "points:write", body: "BatchRequest", success: 200, schema: "BatchResponse"),
        Operation(
            method: "patch", place: .realm, path: "members/batch-point-balance", id: "batchPointBalance",
            tag: "Compatibility", summary: "Older spelling of the batch endpoint (memberId, tokens, realmPointId)",
            scope: "points:write", body: "LegacyBatchRequest", success: 200, schema: "BatchResponse", legacyOnly: true),
        Operation(
            method: "patch", place: .realm, path: "members/{dripId}/balance", id: "updateMemberBalance",
            tag: "Realm-Members-Balances", summary: "Update Member Balance Of A Currency", scope: "points:write",
            parameters: [dripID], body: "BalanceRequest", success: 200, schema: "BalanceResponse"),
        Operation(
            method: "patch", place: .realm, path: "members/{dripId}/point-balance", id: "updatePointBalance",
            tag: "Compatibility", summary: "Older spelling of the single update (tokens, realmPointId)",
            scope: "points:write", parameters: [dripID], body: "LegacyBalanceRequest", success: 200,
            schema: "BalanceResponse", legacyOnly: true),
        Operation(
            method: "patch", place: .realm, path: "members/{dripId}/transfer", id: "transferMemberBalance",
            tag: "Realm-Members-Balances", summary: "Transfer Member Balance Of A Currency (the path member sends)",
            scope: "points:write", parameters: [dripID], body: "TransferRequest", success: 200,
            schema: "TransferResponse"),
        // Realm-Members
        Operation(
            method: "get", place: .realm, path: "members/", id: "listRealmMembers", tag: "Realm-Members",
            summary: "List Realm Members", scope: "members:read",
            parameters: [
                page, limit, query("search", ["type": "string", "maxLength": 256]),
                query(
                    "sortBy",
                    [
                        "type": "string",
                        "enum": [
                            "username", "displayName", "firstVisit", "lastVisit", "updatedAt", "lastActive",
                            "createdAt", "joinedAt", "name", "user", "status",
                        ],
                    ]), query("sortOrder", ["type": "string", "enum": ["asc", "desc"]]),
            ], success: 200, schema: "MemberList"),
        Operation(
            method: "get", place: .realm, path: "members/search", id: "searchRealmMember", tag: "Realm-Members",
            summary: "Search Realm Member (at most 50 comma-separated values)", scope: "members:read",
            parameters: [
                query("type", searchTypes, required: true),
                query("values", ["type": "string", "minLength": 1], required: true), page, limit,
            ], success: 200, schema: "SearchResult"),
        Operation(
            method: "get", place: .realm, path: "members/leaderboard", id: "getRealmMemberLeaderboard",
            tag: "Realm-Members", summary: "Get Realm Member Leaderboard (default currency when omitted)",
            scope: "members:read",
            parameters: [
                query("currencyId", OpenAPISchema.objectIDInput),
                query("take", ["type": "integer", "minimum": 1, "maximum": 100]),
                query("after", ["type": "string", "description": "endCursor of the previous page"]),
            ], success: 200, schema: "Leaderboard"),
        Operation(
            method: "patch", place: .realm, path: "members/{dripId}/metadata", id: "updateMemberMetadata",
            tag: "Realm-Members", summary: "Update Member Metadata", scope: "members:write", parameters: [dripID],
            body: "Metadata", success: 204, schema: nil),
        Operation(
            method: "post", place: .realm, path: "members", id: "createRealmMember", tag: "Tally",
            summary: "Create a member with credentials", scope: "members:write", body: "CreateMember", success: 201,
            schema: "RealmMember", extraErrors: [409]),
        Operation(
            method: "get", place: .realm, path: "members/{dripId}", id: "getRealmMember", tag: "Tally",
            summary: "Get one member with its balances", scope: "members:read", parameters: [dripID], success: 200,
            schema: "RealmMember"),
        Operation(
            method: "get", place: .realm, path: "members/{dripId}/transactions", id: "getMemberJournal", tag: "Tally",
            summary: "A member's journal, newest first", scope: "members:read",
            parameters: [
                dripID, limit, query("cursor", ["type": "string", "description": "nextCursor of the previous page"]),
            ], success: 200, schema: "Journal"),
        // Realms
        Operation(
            method: "get", place: .realm, path: "", id: "getRealm", tag: "Realms", summary: "Get Realm",
            scope: "realm:read", success: 200, schema: "Realm"),
        Operation(
            method: "post", place: .absolute, path: "/api/v1/realms", id: "createRealm", tag: "Tally",
            summary: "Create a realm (admin key)", scope: "admin", body: "CreateRealm", success: 201, schema: "Realm",
            extraErrors: [409]),
        // Currencies
        Operation(
            method: "get", place: .realm, path: "currencies", id: "getCurrencies", tag: "Currencies",
            summary: "Get Currencies", scope: "currencies:read",
            parameters: [
                page, limit, query("search", ["type": "string", "maxLength": 256]),
                query("sortBy", ["type": "string", "enum": ["createdAt", "name", "updatedAt"]]),
                query("sortOrder", ["type": "string", "enum": ["asc", "desc"]]),
                query("includeArchived", OpenAPISchema.boolean),
                query("status", ["type": "string", "enum": ["active", "archived"]]),
                query("isDefault", OpenAPISchema.boolean),
            ], success: 200, schema: "CurrencyList"),
        Operation(
            method: "get", place: .realm, path: "points", id: "getPoints", tag: "Compatibility",
            summary: "Older name of Get Currencies", scope: "currencies:read", parameters: [page, limit],
            success: 200, schema: "CurrencyList", legacyOnly: true),
        Operation(
            method: "post", place: .realm, path: "currencies", id: "createCurrency", tag: "Currencies",
            summary: "Create Currency", scope: "currencies:write", body: "CreateCurrency", success: 201,
            schema: "Currency"),
        Operation(
            method: "get", place: .realm, path: "currencies/{currencyId}", id: "getCurrency", tag: "Currencies",
            summary: "Get Currency", scope: "currencies:read", parameters: [currencyID], success: 200,
            schema: "CurrencyData"),
        Operation(
            method: "patch", place: .realm, path: "currencies/{currencyId}", id: "updateCurrency", tag: "Currencies",
            summary: "Update Currency", scope: "currencies:write", parameters: [currencyID], body: "UpdateCurrency",
            success: 200, schema: "Currency"),
        Operation(
            method: "patch", place: .realm, path: "currencies/{currencyId}/metadata", id: "updateCurrencyMetadata",
            tag: "Currencies", summary: "Update Currency Metadata", scope: "currencies:write",
            parameters: [currencyID], body: "Metadata", success: 204, schema: nil),
        Operation(
            method: "delete", place: .realm, path: "currencies/{currencyId}", id: "archiveCurrency", tag: "Currencies",
            summary: "Archive Currency", scope: "currencies:write", parameters: [currencyID], success: 204,
            schema: nil),
        Operation(
            method: "post", place: .realm, path: "currencies/{currencyId}/unarchive", id: "unarchiveCurrency",
            tag: "Currencies", summary: "Unarchive Currency", scope: "currencies:write", parameters: [currencyID],
            success: 204, schema: nil),
        // Accounts
        Operation(
            method: "get", place: .absolute, path: "/api/v1/accounts/find", id: "findAccount", tag: "Accounts",
            summary: "Find Account (a realm key looks in its own realm)", scope: "members:read",
            parameters: [
                query(
                    "type",
                    [
                        "type": "string",
                        "enum": ["twitter-id", "discord-id", "wallet", "email", "username", "discord", "twitter"],
                    ], required: true),
                query("values", ["type": "string", "minLength": 1], required: true),
            ], success: 200, schema: "AccountFound"),
    ]

    static func errorResponse(_ status: Int) -> JSONValue {
        let descriptions: [Int: String] = [
            400: "Invalid input, or a change that breaks a balance rule",
            401: "Missing, malformed, unknown or revoked key",
            403: "A key of another realm, or without the scope", 404: "The realm, member or currency does not exist",
            409: "A credential or subdomain is taken, or the Idempotency-Key was used for another request",
            413: "The body is over the limit",
            429: "Over the realm's rate limit", 503: "Storage is unavailable; retry",
        ]
        var response: [String: JSONValue] = [
            "description": .string(descriptions[status] ?? "Error"),
            "content": ["application/json": ["schema": OpenAPISchema.ref("Error")]],
        ]
        if status == 429 || status == 503 {
            response["headers"] = ["Retry-After": ["schema": ["type": "integer"], "description": "Seconds to wait"]]
        }
        return .object(response)
    }

    static func operationObject(_ operation: Operation, legacyPrefix: Bool) -> JSONValue {
        var responses: [String: JSONValue] = [:]
        if let schema = operation.schema {
            responses[String(operation.success)] = [
                "description": "Success", "content": ["application/json": ["schema": OpenAPISchema.ref(schema)]],
            ]
        } else {
            responses[String(operation.success)] = ["description": "Done; no body"]
        }
        var errors = [400, 401, 503] + operation.extraErrors
        if operation.place == .realm { errors += [403, 404, 429] }
        if operation.scope == "admin" { errors += [403] }
        if operation.path == "/api/v1/accounts/find" { errors += [403] }
        if operation.body != nil { errors += [413] }
        if operation.place == .absolute && operation.path != "/api/v1/accounts/find" { errors += [404] }
        let idempotent = operation.method == "post" || operation.method == "patch"
        if idempotent { errors += [409] }
        for status in Set(errors) { responses[String(status)] = errorResponse(status) }

        var parameters = operation.parameters
        if operation.place == .realm { parameters.insert(pathParameter("realmId"), at: 0) }
        if idempotent { parameters.append(idempotencyKey) }
        var result: [String: JSONValue] = [
            "operationId": .string(operation.id + (legacyPrefix ? "Singular" : "")),
            "tags": [.string(legacyPrefix ? "Compatibility" : operation.tag)],
            "summary": .string(operation.summary),
            "responses": .object(responses),
        ]
        if let scope = operation.scope {
            result["description"] = .string(
                scope == "admin" ? "Needs an admin key." : "Needs a key with the \(scope) scope, or an admin key.")
        }
        if !parameters.isEmpty { result["parameters"] = .array(parameters) }
        if let body = operation.body {
            result["requestBody"] = [
                "required": true, "content": ["application/json": ["schema": OpenAPISchema.ref(body)]],
            ]
        }
        if legacyPrefix || operation.legacyOnly { result["deprecated"] = true }
        return .object(result)
    }

    static func build() -> JSONValue {
        var paths: [String: [String: JSONValue]] = [:]
        for operation in operations {
            switch operation.place {
            case .absolute:
                paths[operation.path, default: [:]][operation.method] = operationObject(operation, legacyPrefix: false)
            case .realm:
                for (prefix, legacy) in [("/api/v1/realms/{realmId}", false), ("/api/v1/realm/{realmId}", true)] {
                    let path = operation.path.isEmpty ? prefix : "\(prefix)/\(operation.path)"
                    paths[path, default: [:]][operation.method] = operationObject(operation, legacyPrefix: legacy)
                }
            }
        }
        let health: JSONValue = [
            "get": [
                "operationId": "health", "tags": ["Health"], "summary": "Health check (no key)", "security": [],
                "responses": [
                    "200": [
                        "description": "Ok", "content": ["application/json": ["schema": OpenAPISchema.ref("Health")]],
                    ]
                ],
            ]
        ]
        var pathObjects = paths.mapValues { JSONValue.object($0) }
        pathObjects["/api/v1/health"] = health
        var legacyHealth = health
        if case .object(var get) = health, case .object(var operation) = get["get"] {
            operation["operationId"] = "healthLegacy"
            get["get"] = .object(operation)
            legacyHealth = .object(get)
        }
        pathObjects["/api/v4/health"] = legacyHealth
        pathObjects["/docs/json"] = [
            "get": [
                "operationId": "openAPIDocument", "tags": ["Health"], "summary": "This document (no key)",
                "security": [],
                "responses": [
                    "200": [
                        "description": "The OpenAPI 3.1 document",
                        "content": ["application/json": ["schema": ["type": "object"]]],
                    ]
                ],
            ]
        ]
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Tally (DRIP Rewards API compatible)", "version": "1.0.0",
                "description":
                    "A self-hosted reward points server that speaks the DRIP Rewards API. Every failure answers {error, message, details?}.",
            ],
            "servers": [["url": "/"]],
            "security": [["BearerAuth": []]],
            "tags": [
                ["name": "Realm-Members-Balances"], ["name": "Realm-Members"], ["name": "Realms"],
                ["name": "Currencies"],
                ["name": "Accounts"], ["name": "Health"],
                ["name": "Tally", "description": "Tally's extensions to the DRIP API"],
                ["name": "Compatibility", "description": "Older DRIP spellings that real bots still send"],
            ],
            "paths": .object(pathObjects),
            "components": [
                "securitySchemes": [
                    "BearerAuth": [
                        "type": "http", "scheme": "bearer", "bearerFormat": "API Key", "description": "API Key",
                    ]
                ],
                "schemas": .object(OpenAPISchema.components),
            ],
        ]
    }
}
