import TallyCore

extension Operation {
    /// Every operation Tally serves, for a server with `limits`: the router registers these behind
    /// the key check each one names, and the OpenAPI document describes them. Built once, when the
    /// router is built. Without `metrics`, `/metrics` is left out (it is served on a listener of
    /// its own).
    static func table(limits: Limits, metrics: Bool = true) -> [Operation] {
        let operations = everyOperation(limits: limits)
        return metrics ? operations : operations.filter { $0.id != Operation.metricsID }
    }

    /// The operation id of `GET /metrics`.
    static let metricsID = "metrics"

    private static func everyOperation(limits: Limits) -> [Operation] {
        let query = OpenAPIDocument.query
        let integer = { (range: ClosedRange<Int>) -> JSONValue in
            [
                "type": "integer", "minimum": .integer(Int64(range.lowerBound)),
                "maximum": .integer(Int64(range.upperBound)),
            ]
        }
        let choice = { (values: [String]) -> JSONValue in
            ["type": "string", "enum": .array(values.map(JSONValue.string))]
        }
        let page = query("page", integer(1...QueryReader.pageNumberMax), false, "1-based page")
        let limit = query("limit", integer(1...limits.pageSizeMax), false, "items per page")
        let search = query(
            "search", ["type": "string", "maxLength": .integer(Int64(QueryReader.searchLengthMax))], false, nil)
        let sortOrder = query("sortOrder", choice(SortOrder.allCases.map(\.rawValue)), false, nil)
        // No maxLength: what bounds `values` is the request line (`ServerConfiguration.headerBytesMax`
        // bytes, percent-encoded), which a schema of one parameter cannot state.
        let values = query(
            "values", ["type": "string", "minLength": 1], true,
            "At most \(limits.searchValuesMax) comma-separated values")
        // The guides' older spellings of the kinds are accepted too.
        let searchKinds = SearchKind.allCases.map(\.rawValue) + ["discord", "twitter", "drip"]
        let credentialKinds = SearchKind.allCases.filter { $0 != .dripId }.map(\.rawValue) + ["discord", "twitter"]
        // A ghost credential named in the query: type, value and (for custom) source, each name
        // after a prefix for the two sides of a transfer.
        let credentialText: JSONValue = [
            "type": "string", "minLength": 1, "maxLength": .integer(Int64(limits.credentialLengthMax)),
        ]
        let identity = { (prefix: String) -> [JSONValue] in
            func name(_ field: String) -> String {
                prefix.isEmpty ? field : prefix + field.prefix(1).uppercased() + field.dropFirst()
            }
            return [
                query(name("type"), choice(CredentialIdentity.Kind.allCases.map(\.rawValue)), true, nil),
                query(name("value"), credentialText, true, nil),
                query(name("source"), credentialText, false, "Required when the type is custom"),
            ]
        }
        return [
            // Realm-Members-Balances
            Operation(
                method: .patch, path: "members/transaction", id: "batchUpdateMemberBalance",
                tag: "Realm-Members-Balances", summary: "Batch Update Member Balance Of A Currency (all or nothing)",
                requestBody: "BatchRequest", success: .ok, response: "BatchResponse",
                handler: .realm(.pointsWrite) { $0.balances.batch }),
            Operation(
                method: .patch, path: "members/batch-point-balance", id: "batchPointBalance", tag: "Compatibility",
                summary: "Older spelling of the batch endpoint (memberId, tokens, realmPointId)",
                requestBody: "LegacyBatchRequest", success: .ok, response: "BatchResponse", legacyOnly: true,
                handler: .realm(.pointsWrite) { $0.balances.batch }),
            Operation(
                method: .patch, path: "members/{dripId}/balance", id: "updateMemberBalance",
                tag: "Realm-Members-Balances", summary: "Update Member Balance Of A Currency",
                requestBody: "BalanceRequest", success: .ok, response: "BalanceResponse",
                handler: .realm(.pointsWrite) { $0.balances.single }),
            Operation(
                method: .patch, path: "members/{dripId}/point-balance", id: "updatePointBalance", tag: "Compatibility",
                summary: "Older spelling of the single update (tokens, realmPointId)",
                requestBody: "LegacyBalanceRequest", success: .ok, response: "BalanceResponse", legacyOnly: true,
                handler: .realm(.pointsWrite) { $0.balances.single }),
            Operation(
                method: .patch, path: "members/{dripId}/transfer", id: "transferMemberBalance",
                tag: "Realm-Members-Balances", summary: "Transfer Member Balance Of A Currency (the path member sends)",
                requestBody: "TransferRequest", success: .ok, response: "TransferResponse",
                handler: .realm(.pointsWrite) { $0.balances.transfer }),
            // Realm-Members
            Operation(
                method: .get, path: "members/", id: "listRealmMembers", tag: "Realm-Members",
                summary: "List Realm Members",
                query: [
                    page, limit, search, query("sortBy", choice(MembersController.sortByValues), false, nil), sortOrder,
                ], success: .ok, response: "MemberList", handler: .realm(.membersRead) { $0.members.list }),
            Operation(
                method: .get, path: "members/search", id: "searchRealmMember", tag: "Realm-Members",
                summary: "Search Realm Member (at most \(limits.searchValuesMax) comma-separated values)",
                query: [
                    query("type", choice(searchKinds), true, nil), values, page, limit,
                ], success: .ok, response: "SearchResult", handler: .realm(.membersRead) { $0.members.search }),
            Operation(
                method: .get, path: "members/leaderboard", id: "getRealmMemberLeaderboard", tag: "Realm-Members",
                summary: "Get Realm Member Leaderboard (default currency when omitted)",
                query: [
                    query("currencyId", OpenAPISchema.objectIDInput, false, nil),
                    query("take", integer(1...limits.pageSizeMax), false, nil),
                    query("after", ["type": "string", "description": "endCursor of the previous page"], false, nil),
                ], success: .ok, response: "Leaderboard", handler: .realm(.membersRead) { $0.members.leaderboard }),
            Operation(
                method: .patch, path: "members/{dripId}/metadata", id: "updateMemberMetadata", tag: "Realm-Members",
                summary: "Update Member Metadata", requestBody: "Metadata", success: .noContent, response: nil,
                handler: .realm(.membersWrite) { $0.members.metadata }),
            Operation(
                method: .post, path: "members", id: "createRealmMember", tag: "Tally",
                summary: "Create a member with credentials", requestBody: "CreateMember", success: .created,
                response: "RealmMember", extraErrors: [409], handler: .realm(.membersWrite) { $0.members.create }),
            Operation(
                method: .get, path: "members/{dripId}", id: "getRealmMember", tag: "Tally",
                summary: "Get one member with its balances", success: .ok, response: "RealmMember",
                handler: .realm(.membersRead) { $0.members.get }),
            Operation(
                method: .get, path: "members/{dripId}/transactions", id: "getMemberJournal", tag: "Tally",
                summary: "A member's journal, newest first",
                query: [
                    limit,
                    query("cursor", ["type": "string", "description": "nextCursor of the previous page"], false, nil),
                ], success: .ok, response: "Journal", handler: .realm(.membersRead) { $0.members.journal }),
            Operation(
                method: .get, path: "events", id: "listRealmEvents", tag: "Tally",
                summary: "The realm's events, in sequence order (docs/EVENTS.md)",
                query: [
                    query(
                        "after", ["type": "integer", "minimum": 0, "description": "the last seq already read"], false,
                        nil),
                    limit,
                    query(
                        "types",
                        [
                            "type": "string", "maxLength": .integer(Int64(EventsController.typesLengthMax)),
                            "description": "comma-separated event types to keep",
                        ], false, nil),
                    query(
                        "wait", integer(0...limits.eventsWaitSecondsMax), false,
                        "Seconds to wait for an event when there is none yet (a long poll)"),
                ], success: .ok, response: "EventFeed", handler: .realm(.eventsRead) { $0.events.list }),
            // Webhooks
            Operation(
                method: .post, path: "webhooks", id: "createWebhook", tag: "Webhooks",
                summary: "Create a webhook subscription (its secret is in this answer only)",
                requestBody: "CreateWebhook", success: .created, response: "Webhook", takesIdempotencyKey: false,
                handler: .realm(.webhooksWrite) { $0.webhooks.create }),
            Operation(
                method: .get, path: "webhooks", id: "listWebhooks", tag: "Webhooks",
                summary: "List the realm's webhook subscriptions", success: .ok, response: "WebhookList",
                handler: .realm(.webhooksWrite) { $0.webhooks.list }),
            Operation(
                method: .get, path: "webhooks/{webhookId}", id: "getWebhook", tag: "Webhooks",
                summary: "Get a webhook subscription", success: .ok, response: "WebhookData",
                handler: .realm(.webhooksWrite) { $0.webhooks.get }),
            Operation(
                method: .patch, path: "webhooks/{webhookId}", id: "updateWebhook", tag: "Webhooks",
                summary: "Change a webhook subscription, or rotate its secret", requestBody: "UpdateWebhook",
                success: .ok, response: "Webhook", takesIdempotencyKey: false,
                handler: .realm(.webhooksWrite) { $0.webhooks.update }),
            Operation(
                method: .delete, path: "webhooks/{webhookId}", id: "deleteWebhook", tag: "Webhooks",
                summary: "Delete a webhook subscription", success: .noContent, response: nil,
                handler: .realm(.webhooksWrite) { $0.webhooks.delete }),
            Operation(
                method: .post, path: "webhooks/{webhookId}/redeliver", id: "redeliverWebhook", tag: "Webhooks",
                summary: "Deliver again from an event on",
                query: [
                    query(
                        "from", ["type": "integer", "minimum": 1, "description": "the seq to deliver from"], true, nil)
                ], success: .ok, response: "Webhook", takesIdempotencyKey: false,
                handler: .realm(.webhooksWrite) { $0.webhooks.redeliver }),
            Operation(
                method: .get, path: "webhooks/{webhookId}/attempts", id: "listWebhookAttempts", tag: "Webhooks",
                summary: "The latest delivery attempts, newest first",
                query: [query("limit", integer(1...WebhooksController.attemptsLimitMax), false, nil)],
                success: .ok, response: "DeliveryAttemptList", handler: .realm(.webhooksWrite) { $0.webhooks.attempts }),
            // Realms
            Operation(
                method: .get, path: "", id: "getRealm", tag: "Realms", summary: "Get Realm", success: .ok,
                response: "Realm", handler: .realm(.realmRead) { $0.realms.get }),
            Operation(
                method: .post, path: "/api/v1/realms", id: "createRealm", tag: "Tally",
                summary: "Create a realm (admin key)", requestBody: "CreateRealm", success: .created, response: "Realm",
                extraErrors: [409], handler: .admin { $0.realms.create }),
            // Currencies
            Operation(
                method: .get, path: "currencies", id: "getCurrencies", tag: "Currencies", summary: "Get Currencies",
                query: [
                    page, limit, search,
                    query("sortBy", choice(CurrencyQuery.SortField.allCases.map(\.rawValue)), false, nil),
                    sortOrder, query("includeArchived", OpenAPISchema.boolean, false, nil),
                    query("status", choice(CurrenciesController.Status.allCases.map(\.rawValue)), false, nil),
                    query("isDefault", OpenAPISchema.boolean, false, nil),
                ], success: .ok, response: "CurrencyList", handler: .realm(.currenciesRead) { $0.currencies.list }),
            Operation(
                method: .get, path: "points", id: "getPoints", tag: "Compatibility",
                summary: "Older name of Get Currencies", query: [page, limit], success: .ok, response: "CurrencyList",
                legacyOnly: true, handler: .realm(.currenciesRead) { $0.currencies.list }),
            Operation(
                method: .post, path: "currencies", id: "createCurrency", tag: "Currencies", summary: "Create Currency",
                requestBody: "CreateCurrency", success: .created, response: "Currency",
                handler: .realm(.currenciesWrite) { $0.currencies.create }),
            Operation(
                method: .get, path: "currencies/{currencyId}", id: "getCurrency", tag: "Currencies",
                summary: "Get Currency", success: .ok, response: "CurrencyData",
                handler: .realm(.currenciesRead) { $0.currencies.get }),
            Operation(
                method: .patch, path: "currencies/{currencyId}", id: "updateCurrency", tag: "Currencies",
                summary: "Update Currency", requestBody: "UpdateCurrency", success: .ok, response: "Currency",
                handler: .realm(.currenciesWrite) { $0.currencies.update }),
            Operation(
                method: .patch, path: "currencies/{currencyId}/metadata", id: "updateCurrencyMetadata",
                tag: "Currencies", summary: "Update Currency Metadata", requestBody: "Metadata", success: .noContent,
                response: nil, handler: .realm(.currenciesWrite) { $0.currencies.metadata }),
            Operation(
                method: .delete, path: "currencies/{currencyId}", id: "archiveCurrency", tag: "Currencies",
                summary: "Archive Currency", success: .noContent, response: nil,
                handler: .realm(.currenciesWrite) { $0.currencies.archive }),
            Operation(
                method: .post, path: "currencies/{currencyId}/unarchive", id: "unarchiveCurrency", tag: "Currencies",
                summary: "Unarchive Currency", success: .noContent, response: nil,
                handler: .realm(.currenciesWrite) { $0.currencies.unarchive }),
            // Accounts
            Operation(
                method: .get, path: "/api/v1/accounts/find", id: "findAccount", tag: "Accounts",
                summary: "Find Account (a realm key looks in its own realm)",
                query: [
                    query("type", choice(credentialKinds), true, nil), values,
                ], success: .ok, response: "AccountFound", handler: .key(.membersRead) { $0.accounts.find }),
            // Credentials (ghost credentials)
            Operation(
                method: .post, path: "credentials/social", id: "createSocialCredential", tag: "Credentials",
                summary: "Create a social credential, linked to an account or not",
                requestBody: "SocialCredentialRequest",
                success: .ok, response: "GhostCredential",
                handler: .realm(.membersWrite) { $0.credentials.createSocial }),
            Operation(
                method: .post, path: "credentials/wallet", id: "createWalletCredential", tag: "Credentials",
                summary: "Create a wallet credential, linked to an account or not",
                requestBody: "WalletCredentialRequest", success: .ok, response: "GhostCredential",
                handler: .realm(.membersWrite) { $0.credentials.createWallet }),
            Operation(
                method: .get, path: "credentials/find", id: "findCredential", tag: "Credentials",
                summary: "Find a credential with the balances it addresses (404 when none)", query: identity(""),
                success: .ok, response: "GhostCredentialFound", handler: .realm(.membersRead) { $0.credentials.find }),
            Operation(
                method: .post, path: "credentials/link", id: "linkCredential", tag: "Credentials",
                summary: "Link a credential to an account (its balances move to the account)",
                query: identity("") + [
                    query("accountId", OpenAPISchema.objectIDInput, true, nil),
                    query(
                        "initiatorId", ["type": "string", "maxLength": .integer(Int64(limits.initiatorLengthMax))],
                        false, nil),
                ], success: .noContent, response: nil, handler: .realm(.membersWrite) { $0.credentials.link }),
            Operation(
                method: .delete, path: "credentials/", id: "deleteCredential", tag: "Credentials",
                summary: "Delete a credential that holds no balance", query: identity(""), success: .noContent,
                response: nil, handler: .realm(.membersWrite) { $0.credentials.delete }),
            Operation(
                method: .patch, path: "credentials/metadata", id: "updateCredentialMetadata", tag: "Credentials",
                summary: "Set a credential's metadata", query: identity(""), requestBody: "Metadata",
                success: .noContent, response: nil, handler: .realm(.membersWrite) { $0.credentials.metadata }),
            // Credentials-Balances
            Operation(
                method: .patch, path: "credentials/balance", id: "updateCredentialBalance",
                tag: "Credentials-Balances", summary: "Change a credential's balance (creating the credential if new)",
                query: identity(""), requestBody: "CredentialBalanceRequest", success: .ok,
                response: "CredentialBalanceResponse", handler: .realm(.pointsWrite) { $0.credentials.balance }),
            Operation(
                method: .patch, path: "credentials/transaction", id: "batchUpdateCredentialBalance",
                tag: "Credentials-Balances", summary: "Batch update credential balances (all or nothing)",
                requestBody: "CredentialTransactionRequest", success: .ok, response: "CredentialTransactionResponse",
                handler: .realm(.pointsWrite) { $0.credentials.transaction }),
            Operation(
                method: .patch, path: "credentials/transfer", id: "transferCredentialBalance",
                tag: "Credentials-Balances", summary: "Move points between two credentials",
                query: identity("from") + identity("to"), requestBody: "CredentialTransferRequest", success: .ok,
                response: "CredentialTransferResponse", handler: .realm(.pointsWrite) { $0.credentials.transfer }),
            // DRIP's legacy v4 Realm-Controller routes (reference section 1.13), under /api/v4/realms
            Operation(
                method: .get, path: "members/{memberId}", id: "getMemberLegacy", tag: "Compatibility",
                summary: "Legacy v4: a member by drip id or Discord id, balances as an object from currency id",
                success: .ok, response: "LegacyMember", legacyOnly: true,
                realmPrefixes: OpenAPIDocument.legacyRealmPrefixes,
                handler: .realm(.membersRead) { $0.legacy.member }),
            Operation(
                method: .patch, path: "members/{memberId}/tokenBalance", id: "updateTokenBalanceLegacy",
                tag: "Compatibility", summary: "Legacy v4: the single update (tokens, realmPointId)",
                requestBody: "TokenBalanceRequest", success: .ok, response: "TokenBalanceResponse", legacyOnly: true,
                realmPrefixes: OpenAPIDocument.legacyRealmPrefixes,
                handler: .realm(.pointsWrite) { $0.legacy.tokenBalance }),
            Operation(
                method: .patch, path: "members/tokenBalance", id: "batchTokenBalanceLegacy", tag: "Compatibility",
                summary: "Legacy v4: the batch (entries of memberId, tokens, realmPointId), all or nothing",
                requestBody: "TokenBalanceBatchRequest", success: .ok, response: "Ok", legacyOnly: true,
                realmPrefixes: OpenAPIDocument.legacyRealmPrefixes,
                handler: .realm(.pointsWrite) { $0.legacy.batch }),
            Operation(
                method: .patch, path: "members/{memberId}/transfer", id: "transferLegacy", tag: "Compatibility",
                summary: "Legacy v4: the transfer (the path member sends)", requestBody: "LegacyTransferRequest",
                success: .ok, response: "Ok", legacyOnly: true, realmPrefixes: OpenAPIDocument.legacyRealmPrefixes,
                handler: .realm(.pointsWrite) { $0.legacy.transfer }),
            Operation(
                method: .get, path: "leaderboard", id: "getLeaderboardLegacy", tag: "Compatibility",
                summary: "Legacy v4: the leaderboard as a bare array (default currency when omitted)",
                query: [
                    limit, query("realmPointId", OpenAPISchema.objectIDInput, false, nil),
                    query("currencyId", OpenAPISchema.objectIDInput, false, "Another name of realmPointId"),
                ], success: .ok, response: "LegacyLeaderboard", legacyOnly: true,
                realmPrefixes: OpenAPIDocument.legacyRealmPrefixes,
                handler: .realm(.membersRead) { $0.legacy.leaderboard }),
            // Health and this document
            Operation(
                method: .get, path: "/api/v1/health", id: "health", tag: "Health", summary: "Health check (no key)",
                success: .ok, response: "Health", successDescription: "Ok", handler: .open { $0.health.get }),
            Operation(
                method: .get, path: "/api/v4/health", id: "healthLegacy", tag: "Health",
                summary: "Health check (no key)", success: .ok, response: "Health", successDescription: "Ok",
                handler: .open { $0.health.get }),
            Operation(
                method: .get, path: "/livez", id: "livez", tag: "Health",
                summary: "Liveness: the process answers (no key; touches no store)", success: .ok,
                response: "Status", successDescription: "The process answers", handler: .open { $0.health.live }),
            Operation(
                method: .get, path: "/readyz", id: "readyz", tag: "Health",
                summary:
                    "Readiness: the store answers a real query and can write, within \(HealthController.readinessDeadline.components.seconds) s (no key)",
                success: .ok, response: "Status", successDescription: "Ready to serve", extraErrors: [503],
                handler: .open { $0.health.ready }),
            Operation(
                method: .get, path: "/docs/json", id: "openAPIDocument", tag: "Health",
                summary: "This document (no key)", success: .ok, response: "Document",
                successDescription: "The OpenAPI 3.1 document", handler: .open { $0.document.get }),
            Operation(
                method: .get, path: "/metrics", id: metricsID, tag: "Health",
                summary: "The server's metrics in the Prometheus text format (no key)", success: .ok,
                response: "Metrics", responseContentType: "text/plain", successDescription: "Prometheus text format",
                handler: .open { $0.metrics.get }),
        ]
    }
}
