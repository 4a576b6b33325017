import TallyCore

/// Tally's OpenAPI 3.1 document, served at `GET /docs/json`, rendered from the table of
/// operations the router serves (`Operation.table(limits:)`) with the bounds of the running
/// server. `RouteTableTests` and `OpenAPIDocumentTests` check it against the router; CI fuzzes
/// the live server from it.
public enum OpenAPIDocument {
    /// The document, as JSON text with sorted keys, for a server with `limits`.
    public static func json(limits: Limits = .standard) -> String {
        json(operations: Operation.table(limits: limits), limits: limits)
    }

    /// The document for `operations`, as JSON text with sorted keys.
    static func json(operations: [Operation], limits: Limits) -> String {
        build(operations: operations, limits: limits).text
    }

    /// The prefixes a realm operation is served under, canonical first; the second is the
    /// singular spelling older DRIP guides and bots use, documented as deprecated.
    static let realmPrefixes = ["/api/v1/realms", "/api/v1/realm"]

    /// The prefix of DRIP's legacy v4 realm routes (reference section 1.13), which public bots
    /// still call.
    static let legacyRealmPrefixes = ["/api/v4/realms"]

    /// A member named by its drip id or its Discord user id (`MemberReference`), as text.
    static let memberReferencePattern =
        "^([0-9a-fA-F]{\(RealmID.textLength)}|[0-9]{1,\(MemberReference.discordIDLengthMax)})$"

    /// A path parameter; ids must be 24 hex digits, except a currency id, which answers 404 like
    /// an unknown one when malformed, and a v4 `memberId`, which may be a Discord user id.
    static func pathParameter(_ name: String) -> JSONValue {
        let schema: JSONValue =
            switch name {
            case "currencyId": ["type": "string", "minLength": 1]
            case "memberId": ["type": "string", "pattern": .string(memberReferencePattern)]
            default: OpenAPISchema.objectIDInput
            }
        return ["name": .string(name), "in": "path", "required": true, "schema": schema]
    }

    /// A query parameter.
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
        "schema": [
            "type": "string", "minLength": 1, "maxLength": .integer(Int64(IdempotencyClaim.keyLengthMax)),
            "pattern": "^[!-~]+$",
        ],
    ]

    /// The header every response carries.
    static let requestIDHeader: JSONValue = ["$ref": "#/components/headers/RequestId"]

    static func errorResponse(_ status: Int, limits: Limits) -> JSONValue {
        let descriptions: [Int: String] = [
            400: "Invalid input, or a change that breaks a balance rule",
            401: "Missing, malformed, unknown or revoked key",
            403: "A key of another realm, or without the scope", 404: "The realm, member or currency does not exist",
            409: "A credential or subdomain is taken, or the Idempotency-Key was used for another request",
            413: "The body is over the limit of \(limits.bodyBytesMax) bytes",
            429: "Over the realm's rate limit", 503: "Storage is unavailable; retry",
        ]
        var response: [String: JSONValue] = [
            "description": .string(descriptions[status] ?? "Error"),
            "content": ["application/json": ["schema": OpenAPISchema.ref("Error")]],
        ]
        var headers: [String: JSONValue] = ["X-Request-Id": requestIDHeader]
        if status == 429 || status == 503 {
            headers["Retry-After"] = ["schema": ["type": "integer"], "description": "Seconds to wait"]
        }
        response["headers"] = .object(headers)
        return .object(response)
    }

    /// The failures an operation can answer, from what it is: every keyed operation can be
    /// unauthorized or forbidden, a realm operation can name a missing realm or be rate limited,
    /// a body can be too large, and a write can reuse an Idempotency-Key.
    static func errors(_ operation: Operation) -> Set<Int> {
        var errors = Set(operation.extraErrors)
        switch operation.access {
        case .open: return errors
        case .admin: errors.formUnion([400, 401, 403, 404])
        case .key: errors.formUnion([400, 401, 403])
        case .realm: errors.formUnion([400, 401, 403, 404, 429])
        }
        errors.insert(503)
        if operation.requestBody != nil { errors.insert(413) }
        if operation.isIdempotent { errors.insert(409) }
        return errors
    }

    static func operationObject(_ operation: Operation, legacyPrefix: Bool, limits: Limits) -> JSONValue {
        var responses: [String: JSONValue] = [:]
        let success = String(operation.success.code)
        if let schema = operation.response {
            responses[success] = [
                "description": .string(operation.successDescription ?? "Success"),
                "content": [operation.responseContentType: ["schema": OpenAPISchema.ref(schema)]],
                "headers": ["X-Request-Id": requestIDHeader],
            ]
        } else {
            responses[success] = [
                "description": .string(operation.successDescription ?? "Done; no body"),
                "headers": ["X-Request-Id": requestIDHeader],
            ]
        }
        for status in errors(operation) { responses[String(status)] = errorResponse(status, limits: limits) }

        var parameters = operation.pathParameters.map(pathParameter)
        if case .realm = operation.access { parameters.insert(pathParameter("realmId"), at: 0) }
        parameters += operation.query
        if operation.isIdempotent { parameters.append(idempotencyKey) }
        var result: [String: JSONValue] = [
            "operationId": .string(operation.id + (legacyPrefix ? "Singular" : "")),
            "tags": [.string(legacyPrefix ? "Compatibility" : operation.tag)],
            "summary": .string(operation.summary),
            "responses": .object(responses),
        ]
        // The scope is also named as a role of the bearer scheme, which OpenAPI 3.1 allows for
        // schemes other than OAuth, so that tools and tests can read it.
        switch operation.access {
        case .open:
            result["security"] = []
        case .admin:
            result["description"] = "Needs an admin key."
            result["security"] = [["BearerAuth": ["admin"]]]
        case .key(let scope), .realm(let scope):
            result["description"] = .string("Needs a key with the \(scope.rawValue) scope, or an admin key.")
            result["security"] = [["BearerAuth": [.string(scope.rawValue)]]]
        }
        if !parameters.isEmpty { result["parameters"] = .array(parameters) }
        if let body = operation.requestBody {
            result["requestBody"] = [
                "required": true, "description": .string("At most \(limits.bodyBytesMax) bytes"),
                "content": ["application/json": ["schema": OpenAPISchema.ref(body)]],
            ]
        }
        if legacyPrefix || operation.legacyOnly { result["deprecated"] = true }
        return .object(result)
    }

    static func build(operations: [Operation], limits: Limits) -> JSONValue {
        var paths: [String: [String: JSONValue]] = [:]
        for operation in operations {
            let method = operation.method.rawValue.lowercased()
            guard case .realm = operation.access else {
                paths[operation.path, default: [:]][method] = operationObject(
                    operation, legacyPrefix: false, limits: limits)
                continue
            }
            for (index, prefix) in operation.realmPrefixes.enumerated() {
                paths[operation.documentPath(prefix: prefix), default: [:]][method] = operationObject(
                    operation, legacyPrefix: index > 0, limits: limits)
            }
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Tally (DRIP Rewards API compatible)", "version": "1.0.0",
                "description":
                    "A self-hosted reward points server that speaks the DRIP Rewards API. Every failure answers {error, message, details?, requestId}; every response carries X-Request-Id.",
            ],
            "servers": [["url": "/"]],
            "security": [["BearerAuth": []]],
            "tags": [
                ["name": "Realm-Members-Balances"], ["name": "Realm-Members"], ["name": "Realms"],
                ["name": "Currencies"],
                ["name": "Accounts"],
                [
                    "name": "Credentials",
                    "description": "Ghost credentials: identities that hold points before a member owns them",
                ],
                ["name": "Credentials-Balances"], ["name": "Health"],
                ["name": "Tally", "description": "Tally's extensions to the DRIP API"],
                ["name": "Compatibility", "description": "Older DRIP spellings that real bots still send"],
            ],
            "paths": .object(paths.mapValues { JSONValue.object($0) }),
            "components": [
                "securitySchemes": [
                    "BearerAuth": [
                        "type": "http", "scheme": "bearer", "bearerFormat": "API Key", "description": "API Key",
                    ]
                ],
                "schemas": .object(OpenAPISchema.components(limits: limits)),
                "headers": [
                    "RequestId": [
                        "description": "The request's id; an error body repeats it as requestId.",
                        "required": true, "schema": OpenAPISchema.requestID,
                    ]
                ],
            ],
        ]
    }
}
