import TallyCore

/// The component schemas of the OpenAPI document, and small helpers that keep them readable.
enum OpenAPISchema {
    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }
    static let string: JSONValue = ["type": "string"]
    static let nullableString: JSONValue = ["type": ["string", "null"]]
    static let boolean: JSONValue = ["type": "boolean"]
    static let int64: JSONValue = [
        "type": "integer", "format": "int64", "minimum": .integer(Int64.min), "maximum": .integer(Int64.max),
    ]
    static let nullableInt64: JSONValue = [
        "type": ["integer", "null"], "format": "int64", "minimum": .integer(Int64.min), "maximum": .integer(Int64.max),
    ]
    static let integer: JSONValue = ["type": "integer", "minimum": 0]
    /// An id as Tally writes it: lowercase hex.
    static let objectID: JSONValue = ["type": "string", "pattern": .string("^[0-9a-f]{\(RealmID.textLength)}$")]
    /// An id as Tally reads it: hex of either case.
    static let objectIDInput: JSONValue = ["type": "string", "pattern": .string(idInputPattern)]
    static let idInputPattern = "^[0-9a-fA-F]{\(RealmID.textLength)}$"
    /// An id a request body may leave out or set to null.
    static let nullableIDInput: JSONValue = ["type": ["string", "null"], "pattern": .string(idInputPattern)]
    static let dateTime: JSONValue = ["type": "string", "format": "date-time"]
    /// A request's id, as `X-Request-Id` and an error body's `requestId` carry it.
    static let requestID: JSONValue = [
        "type": "string", "minLength": 1, "maxLength": .integer(Int64(RequestLogMiddleware.requestIDLengthMax)),
        "pattern": "^[!-~]+$",
        "description": .string(
            "The request's id: the request's own X-Request-Id when it is 1 to \(RequestLogMiddleware.requestIDLengthMax) printable ASCII characters without spaces, else 16 hex digits Tally made"
        ),
    ]
    static let metadata: JSONValue = ["type": "object", "additionalProperties": true]
    static let nullableMetadata: JSONValue = ["type": ["object", "null"], "additionalProperties": true]

    /// An object with `properties`, all of them required unless listed in `optional`.
    static func object(_ properties: [(String, JSONValue)], optional: Set<String> = [], additional: Bool = false)
        -> JSONValue
    {
        let required = properties.map(\.0).filter { !optional.contains($0) }
        var result: [String: JSONValue] = [
            "type": "object",
            "properties": .object(Dictionary(properties, uniquingKeysWith: { first, _ in first })),
            "additionalProperties": .bool(additional),
        ]
        if !required.isEmpty { result["required"] = .array(required.map(JSONValue.string)) }
        return .object(result)
    }

    /// A request body object: unknown fields are ignored by the server, so they are allowed.
    static func input(_ properties: [(String, JSONValue)], required: [String] = []) -> JSONValue {
        var result: [String: JSONValue] = [
            "type": "object", "properties": .object(Dictionary(properties, uniquingKeysWith: { first, _ in first })),
        ]
        if !required.isEmpty { result["required"] = .array(required.map(JSONValue.string)) }
        return .object(result)
    }

    /// `{"data": [item], "meta": meta}`.
    static func list(_ item: String, meta: String) -> JSONValue {
        object([("data", ["type": "array", "items": ref(item)]), ("meta", ref(meta))])
    }

    /// A string of at most `maxLength` characters (JSON Schema counts code points, Tally counts
    /// characters, so the schema is never looser than the server).
    static func string(maxLength: Int, minLength: Int? = nil, nullable: Bool = false) -> JSONValue {
        var result: [String: JSONValue] = [
            "type": nullable ? ["string", "null"] : "string", "maxLength": .integer(Int64(maxLength)),
        ]
        if let minLength { result["minLength"] = .integer(Int64(minLength)) }
        return .object(result)
    }

    /// A member named by its drip id or its Discord user id (legacy v4 bodies): text, or a JSON
    /// integer. Integers are documented up to Int64.max; the server reads up to UInt64.max.
    static let memberReferenceInput: JSONValue = [
        "anyOf": [
            ["type": "string", "pattern": .string(OpenAPIDocument.memberReferencePattern)],
            ["type": "integer", "minimum": 0, "maximum": .integer(Int64.max)],
        ]
    ]

    /// DRIP's `RealmMember` with `balances` as `balances` says.
    static func member(balances: JSONValue) -> JSONValue {
        object([
            ("id", objectID), ("realmMemberId", objectID), ("username", nullableString),
            ("displayName", nullableString), ("email", nullableString), ("joinedAt", dateTime),
            ("credentials", ["type": "array", "items": ref("Credential")]),
            ("balances", balances), ("metadata", nullableMetadata),
            ("notes", ["type": "null"]),
        ])
    }

    /// Every component schema, with the bounds of a server with `limits`.
    static func components(limits: Limits) -> [String: JSONValue] {
        let name = string(maxLength: limits.nameLengthMax, minLength: 1)
        let initiator = string(maxLength: limits.initiatorLengthMax)
        let credential = string(maxLength: limits.credentialLengthMax, nullable: true)
        let walletChain = string(maxLength: limits.chainLengthMax, nullable: true)
        let walletName = string(maxLength: limits.nameLengthMax, nullable: true)
        let emoji = string(maxLength: limits.emojiLengthMax, nullable: true)
        let url = string(maxLength: limits.urlLengthMax, nullable: true)
        let eventType: JSONValue = ["type": "string", "enum": .array(EventType.allCases.map { .string($0.rawValue) })]
        let metadataInput: JSONValue = [
            "type": "object", "additionalProperties": true,
            "description": .string("At most \(limits.metadataBytesMax) bytes of JSON"),
        ]
        let requiredText = string(maxLength: limits.credentialLengthMax, minLength: 1)
        let credentialType: JSONValue = [
            "type": "string", "enum": .array(CredentialIdentity.Kind.allCases.map { .string($0.rawValue) }),
        ]
        let nullableObjectID: JSONValue = [
            "type": ["string", "null"], "pattern": .string("^[0-9a-f]{\(RealmID.textLength)}$"),
        ]
        let updates = { (item: JSONValue) -> JSONValue in
            ["type": "array", "minItems": 1, "maxItems": .integer(Int64(limits.batchSizeMax)), "items": item]
        }
        return [
            "Error": object(
                [
                    ("error", string), ("message", string),
                    ("details", ["type": "object", "additionalProperties": ["type": ["string", "integer"]]]),
                    ("retryAfter", integer),
                    ("requestId", requestID),
                ], optional: ["details", "retryAfter"]),
            "Health": object([("message", ["type": "string", "enum": ["Ok"]])]),
            "Status": object([("status", ["type": "string", "enum": ["ok"]])]),
            "Document": ["type": "object"],
            "Metrics": [
                "type": "string",
                "description": "Every metric of the server in the Prometheus text exposition format, version 0.0.4",
            ],
            "Realm": object([
                ("id", objectID), ("name", string), ("ownerId", objectID), ("description", string),
                ("subdomain", string),
                ("createdAt", dateTime), ("updatedAt", dateTime),
            ]),
            "CreateRealm": input(
                [
                    ("name", name), ("description", string),
                    ("subdomain", ["type": "string", "pattern": "^[a-z0-9-]{1,63}$"]),
                ], required: ["name"]),
            "Currency": object([
                ("id", objectID), ("realmId", objectID), ("name", string), ("emoji", nullableString),
                ("customEmojiUrl", nullableString), ("default", boolean), ("metadata", metadata),
                ("scopes", ["type": "array", "items": string]), ("archived", boolean),
                ("archivedAt", ["type": ["string", "null"], "format": "date-time"]),
                ("ownership", ["type": "string", "enum": ["OWNED", "SHARED"]]), ("shareStatus", ["type": "null"]),
                ("parentRealmId", ["type": "null"]), ("parentRealmName", ["type": "null"]),
                ("permissions", ["type": "null"]),
                ("createdAt", dateTime), ("updatedAt", dateTime), ("minimumBalance", int64),
                ("maximumBalance", nullableInt64), ("transferable", boolean),
            ]),
            "CurrencyData": object([("data", ref("Currency"))]),
            "CurrencyList": list("Currency", meta: "OffsetMeta"),
            "CreateCurrency": input(
                [
                    ("name", name), ("emoji", emoji), ("customEmojiUrl", url), ("metadata", metadataInput),
                    ("default", boolean),
                    ("minimumBalance", int64), ("maximumBalance", nullableInt64), ("transferable", boolean),
                ], required: ["name"]),
            "UpdateCurrency": input([
                ("name", name), ("emoji", emoji), ("customEmojiUrl", url), ("metadata", metadataInput),
                ("default", boolean),
                ("minimumBalance", int64), ("maximumBalance", nullableInt64), ("transferable", boolean),
            ]),
            "Metadata": input([("metadata", metadataInput)], required: ["metadata"]),
            "OffsetMeta": object([("total", integer), ("page", integer), ("limit", integer), ("totalPages", integer)]),
            "Credential": object(
                [
                    ("format", ["type": "string", "enum": ["discord", "twitter", "blockchain", "email"]]),
                    ("publicIdentifier", string), ("oauthProvider", nullableString), ("oauthAccountId", nullableString),
                    ("oauthUsername", nullableString), ("oauthAccountPhotos", ["type": "array", "items": string]),
                    ("walletName", nullableString), ("chain", nullableString),
                ], optional: ["walletName", "chain"]),
            "MemberBalance": object([
                ("balance", int64), ("currencyId", objectID), ("currencyName", string),
                ("currencyEmoji", nullableString),
            ]),
            "RealmMember": member(balances: ["type": "array", "items": ref("MemberBalance")]),
            "LegacyMember": member(balances: [
                "type": "object", "propertyNames": objectID, "additionalProperties": int64,
                "description": "The balance in each currency the member has held, by currency id",
            ]),
            "MemberList": list("RealmMember", meta: "OffsetMeta"),
            "SearchMeta": object([
                ("total", integer), ("page", integer), ("limit", integer), ("totalPages", integer),
                ("credentials", object([("access", boolean), ("approved", boolean), ("reason", string)])),
            ]),
            "SearchResult": list("RealmMember", meta: "SearchMeta"),
            "CreateMember": input([
                ("username", credential), ("discordId", credential), ("twitterId", credential), ("wallet", credential),
                ("email", credential), ("walletChain", walletChain), ("walletName", walletName),
                ("metadata", metadataInput),
            ]),
            "LeaderboardEntry": object([
                ("accountId", objectID), ("username", nullableString), ("displayName", nullableString),
                ("imageUrl", ["type": "null"]), ("balance", int64), ("rank", ["type": "integer", "minimum": 1]),
            ]),
            "CursorMeta": object([
                ("hasNextPage", boolean), ("hasPreviousPage", boolean), ("startCursor", nullableString),
                ("endCursor", nullableString), ("totalCount", integer),
            ]),
            "Leaderboard": list("LeaderboardEntry", meta: "CursorMeta"),
            "JournalEntry": object([
                ("id", objectID), ("dripId", objectID), ("currencyId", objectID), ("amount", int64),
                ("balanceBefore", int64), ("balanceAfter", int64), ("batchId", objectID),
                ("initiatorId", nullableString),
                ("kind", ["type": "string", "enum": .array(EntryKind.allCases.map { .string($0.rawValue) })]),
                ("createdAt", dateTime),
            ]),
            "JournalMeta": object([("hasNextPage", boolean), ("nextCursor", nullableString)]),
            "Journal": list("JournalEntry", meta: "JournalMeta"),
            "Event": object([
                ("seq", ["type": "integer", "format": "int64", "minimum": 1]), ("id", objectID),
                ("type", ["type": "string", "enum": .array(EventType.allCases.map { .string($0.rawValue) })]),
                ("data", ["type": "object"]), ("createdAt", dateTime),
            ]),
            "EventFeedMeta": object([
                ("next", ["type": ["integer", "null"], "format": "int64"]), ("hasMore", boolean),
            ]),
            "EventFeed": list("Event", meta: "EventFeedMeta"),
            "Webhook": object(
                [
                    ("id", objectID),
                    ("secret", ["type": "string", "description": "Only in the answers to creation and rotation"]),
                    ("realmId", objectID), ("url", string),
                    ("types", ["type": ["array", "null"], "items": eventType]), ("enabled", boolean),
                    (
                        "delivery",
                        object([
                            ("deliveredThrough", ["type": "integer", "format": "int64", "minimum": 0]),
                            ("pendingAttempts", integer), ("nextAttemptAt", dateTime),
                            ("lastFailedSeq", ["type": ["integer", "null"], "format": "int64"]),
                        ])
                    ),
                    ("createdAt", dateTime), ("updatedAt", dateTime),
                ], optional: ["secret"]),
            "WebhookData": object([("data", ref("Webhook"))]),
            "WebhookList": object([("data", ["type": "array", "items": ref("Webhook")])]),
            "CreateWebhook": input(
                [
                    ("url", string(maxLength: limits.urlLengthMax, minLength: 1)),
                    ("types", ["type": ["array", "null"], "items": eventType, "minItems": 1]), ("enabled", boolean),
                ], required: ["url"]),
            "UpdateWebhook": input([
                ("url", string(maxLength: limits.urlLengthMax, minLength: 1)),
                ("types", ["type": ["array", "null"], "items": eventType, "minItems": 1]), ("enabled", boolean),
                ("rotateSecret", boolean),
            ]),
            "DeliveryAttempt": object([
                ("id", objectID), ("eventSeq", ["type": "integer", "format": "int64", "minimum": 1]),
                ("eventId", objectID), ("attempt", ["type": "integer", "minimum": 1]),
                (
                    "outcome",
                    ["type": "string", "enum": .array(DeliveryAttempt.Outcome.allCases.map { .string($0.rawValue) })]
                ),
                ("statusCode", ["type": ["integer", "null"]]), ("error", nullableString),
                ("durationMs", integer), ("attemptedAt", dateTime),
            ]),
            "DeliveryAttemptList": object([("data", ["type": "array", "items": ref("DeliveryAttempt")])]),
            "BatchRequest": input(
                [
                    (
                        "updates",
                        updates(
                            input(
                                [
                                    ("dripId", objectIDInput), ("amount", int64),
                                    ("currencyId", nullableIDInput),
                                ], required: ["dripId", "amount"]))
                    ),
                    ("initiatorId", initiator),
                ], required: ["updates"]),
            "LegacyBatchRequest": input(
                [
                    (
                        "updates",
                        updates(
                            input(
                                [
                                    ("memberId", objectIDInput), ("tokens", int64),
                                    ("realmPointId", nullableIDInput),
                                ], required: ["memberId", "tokens"]))
                    ),
                    ("initiatorId", initiator),
                ], required: ["updates"]),
            "BatchResponse": object([
                ("success", ["type": "boolean", "enum": [true]]),
                (
                    "updates",
                    [
                        "type": "array",
                        "items": object([
                            ("dripId", objectID), ("currencyId", objectID), ("balance", int64), ("newBalance", int64),
                        ]),
                    ]
                ),
            ]),
            "BalanceRequest": input(
                [
                    ("amount", int64), ("currencyId", nullableIDInput),
                    ("initiatorId", initiator),
                ], required: ["amount"]),
            "LegacyBalanceRequest": input(
                [
                    ("tokens", int64), ("realmPointId", nullableIDInput),
                    ("initiatorId", initiator),
                ], required: ["tokens"]),
            "BalanceResponse": object([
                ("id", objectID), ("dripId", objectID), ("balance", int64), ("currencyId", objectID),
            ]),
            "TransferRequest": input(
                [
                    ("amount", ["type": "integer", "format": "int64", "minimum": 1, "maximum": .integer(Int64.max)]),
                    ("recipientId", objectIDInput),
                    ("currencyId", nullableIDInput),
                    ("initiatorId", initiator),
                ], required: ["amount", "recipientId"]),
            "TransferResponse": object([
                ("id", objectID), ("senderId", objectID), ("recipientId", objectID), ("balance", int64),
                ("currencyId", objectID),
            ]),
            "SocialCredentialRequest": input(
                [
                    ("provider", requiredText), ("providerId", requiredText), ("username", requiredText),
                    ("accountId", objectIDInput), ("metadata", metadataInput),
                ], required: ["provider", "providerId"]),
            "WalletCredentialRequest": input(
                [
                    ("address", requiredText), ("chain", requiredText), ("walletProvider", requiredText),
                    ("walletName", requiredText), ("accountId", objectIDInput), ("metadata", metadataInput),
                ], required: ["address", "chain"]),
            "GhostCredential": object([
                ("id", objectID), ("type", credentialType), ("value", string), ("source", nullableString),
                ("format", string), ("publicIdentifier", string), ("oauthProvider", nullableString),
                ("oauthAccountId", nullableString), ("oauthUsername", nullableString),
                ("oauthAccountPhotos", ["type": "array", "items": string]), ("address", nullableString),
                ("chain", nullableString), ("walletName", nullableString), ("walletProvider", nullableString),
                ("isVerified", boolean), ("accountId", nullableObjectID), ("metadata", nullableMetadata),
                ("createdAt", dateTime), ("linkedAt", ["type": ["string", "null"], "format": "date-time"]),
            ]),
            "GhostCredentialFound": object([
                ("id", objectID), ("type", credentialType), ("value", string), ("source", nullableString),
                ("format", string), ("publicIdentifier", string), ("accountId", nullableObjectID), ("linked", boolean),
                ("balances", ["type": "array", "items": ref("MemberBalance")]), ("metadata", nullableMetadata),
            ]),
            "CredentialBalanceRequest": input(
                [("amount", int64), ("realmPointId", nullableIDInput), ("initiatorId", initiator)],
                required: ["amount"]),
            "CredentialBalanceResponse": object([
                ("credentialId", objectID), ("identifier", string), ("balance", int64), ("realmPointId", objectID),
                ("linked", boolean), ("accountId", nullableObjectID),
            ]),
            "CredentialTransactionRequest": input(
                [
                    (
                        "updates",
                        updates(
                            input(
                                [
                                    ("type", credentialType), ("value", requiredText), ("source", requiredText),
                                    ("amount", int64), ("realmPointId", nullableIDInput),
                                ], required: ["type", "value", "amount"]))
                    ),
                    ("initiatorId", initiator),
                ], required: ["updates"]),
            "CredentialTransactionResponse": object([
                ("success", ["type": "boolean", "enum": [true]]),
                (
                    "results",
                    [
                        "type": "array",
                        "items": object([
                            ("type", credentialType), ("value", string), ("credentialId", objectID),
                            ("balance", int64), ("realmPointId", objectID), ("linked", boolean),
                        ]),
                    ]
                ),
                ("errors", ["type": "array", "maxItems": 0]),
            ]),
            "CredentialTransferRequest": input(
                [
                    ("amount", ["type": "integer", "format": "int64", "minimum": 1, "maximum": .integer(Int64.max)]),
                    ("realmPointId", nullableIDInput), ("initiatorId", initiator),
                ], required: ["amount"]),
            "CredentialTransferResponse": object([
                ("fromCredentialId", objectID), ("toCredentialId", objectID), ("amount", int64),
                ("realmPointId", objectID), ("fromBalance", int64), ("toBalance", int64),
            ]),
            "TokenBalanceRequest": input(
                [
                    ("tokens", int64), ("realmPointId", nullableIDInput),
                    ("initiatorId", initiator),
                ], required: ["tokens"]),
            "TokenBalanceResponse": object([("newBalance", int64)]),
            "TokenBalanceBatchRequest": input(
                [
                    (
                        "entries",
                        updates(
                            input(
                                [
                                    ("memberId", memberReferenceInput), ("tokens", int64),
                                    ("realmPointId", nullableIDInput),
                                ], required: ["memberId", "tokens"]))
                    ),
                    (
                        "description",
                        [
                            "type": "string", "maxLength": .integer(Int64(limits.initiatorLengthMax)),
                            "description": "Kept as the journal's initiator text when initiatorId is not sent",
                        ]
                    ),
                    ("initiatorId", initiator),
                ], required: ["entries"]),
            "LegacyTransferRequest": input(
                [
                    ("recipientId", memberReferenceInput),
                    ("tokens", ["type": "integer", "format": "int64", "minimum": 1, "maximum": .integer(Int64.max)]),
                    ("realmPointId", nullableIDInput),
                    ("initiatorId", initiator),
                ], required: ["recipientId", "tokens"]),
            "Ok": object([("message", ["type": "string", "enum": ["Ok"]])]),
            "LegacyLeaderboard": [
                "type": "array",
                "items": object([
                    (
                        "userId",
                        ["type": "string", "description": "The member's Discord id when it has one, else its drip id"]
                    ),
                    ("id", objectID), ("username", nullableString), ("balance", int64),
                    ("rank", ["type": "integer", "minimum": 1]),
                ]),
            ],
            "AccountFound": object([
                ("data", ["type": ["string", "null"], "pattern": .string("^[0-9a-f]{\(RealmID.textLength)}$")])
            ]),
        ]
    }
}
