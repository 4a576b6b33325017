import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    public func createWebhook(_ draft: WebhookDraft, limit: Int, now: Int64) async throws -> Webhook {
        try await numberEvents(in: draft.realmID)
        return try await transaction("createWebhook") { connection in
            // Two subscriptions created at once are counted one after the other.
            try await lockRealm(connection, draft.realmID)
            try Webhook.checkCount(
                try await count(connection, Self.statements.webhookCount(in: draft.realmID).query), limit: limit)
            let webhook = Webhook(draft, lastSeq: try await lastEventSeq(connection, draft.realmID), now: now)
            try await run(connection, Self.statements.insert(webhook).query)
            return webhook
        }
    }

    public func webhooks(in realmID: RealmID?) async throws -> [Webhook] {
        try await transaction("webhooks", .reading) { connection in
            if let realmID { try await requireRealm(connection, realmID) }
            return try await rows(connection, Self.statements.webhooks(in: realmID)).map(Webhook.init(stored:))
        }
    }

    public func webhook(_ id: WebhookID, in realmID: RealmID) async throws -> Webhook? {
        try await transaction("webhook", .reading) { connection in
            try await row(connection, Self.statements.webhook(id, in: realmID)).map(Webhook.init(stored:))
        }
    }

    public func updateWebhook(_ id: WebhookID, in realmID: RealmID, _ patch: WebhookPatch, now: Int64) async throws
        -> Webhook?
    {
        try await transaction("updateWebhook") { connection in
            guard let stored = try await row(connection, Self.statements.webhook(id, in: realmID, locking: true))
            else { return nil }
            let webhook = try Webhook(stored: stored).patched(patch, now: now)
            try await run(connection, Self.statements.update(webhook).query)
            return webhook
        }
    }

    public func deleteWebhook(_ id: WebhookID, in realmID: RealmID) async throws -> Bool {
        try await transaction("deleteWebhook") { connection in
            guard try await row(connection, Self.statements.webhook(id, in: realmID, locking: true)) != nil else {
                return false
            }
            try await run(connection, Self.statements.deleteDeliveryAttempts(of: id).query)
            return try await row(connection, Self.statements.deleteWebhook(id, in: realmID)) != nil
        }
    }

    public func redeliverWebhook(_ id: WebhookID, in realmID: RealmID, from seq: Int64, now: Int64) async throws
        -> Webhook?
    {
        try await numberEvents(in: realmID)
        return try await transaction("redeliverWebhook") { connection in
            guard let stored = try await row(connection, Self.statements.webhook(id, in: realmID, locking: true))
            else { return nil }
            let webhook = try Webhook(stored: stored).redelivered(
                from: seq, lastSeq: try await lastEventSeq(connection, realmID), now: now)
            try await run(connection, Self.statements.update(webhook, releasingLease: true).query)
            return webhook
        }
    }

    public func deliveryAttempts(of id: WebhookID, in realmID: RealmID, limit: Int) async throws -> [DeliveryAttempt]? {
        try await transaction("deliveryAttempts", .reading) { connection in
            guard try await row(connection, Self.statements.webhook(id, in: realmID)) != nil else { return nil }
            return try await rows(connection, Self.statements.deliveryAttempts(of: id, limit: limit))
                .map(DeliveryAttempt.init(stored:))
        }
    }

    public func claimWebhooks(owner: String, now: Int64, leaseUntil: Int64, limit: Int) async throws -> [Webhook] {
        try await numberEvents(in: nil)
        return try await transaction("claimWebhooks") { connection in
            try await rows(
                connection, Self.statements.claimWebhooks(owner: owner, now: now, leaseUntil: leaseUntil, limit: limit)
            ).map(Webhook.init(stored:))
        }
    }

    public func lastEventSeq(in realmID: RealmID) async throws -> Int64 {
        try await numberEvents(in: realmID)
        return try await transaction("lastEventSeq", .reading) { connection in
            try await lastEventSeq(connection, realmID)
        }
    }

    public func recordDelivery(_ report: DeliveryReport, owner: String, leaseUntil: Int64) async throws -> Bool {
        try await transaction("recordDelivery") { connection in
            guard
                let stored = try await row(
                    connection, Self.statements.recordDelivery(report, owner: owner, leaseUntil: leaseUntil))
            else { return false }
            try await run(connection, Self.statements.insert(report.attempt).query)
            return try stored.boolean("enabled")
        }
    }

    public func advanceWebhook(_ id: WebhookID, through seq: Int64, owner: String) async throws {
        try await transaction("advanceWebhook") { connection in
            try await run(connection, Self.statements.advanceWebhook(id, through: seq, owner: owner).query)
        }
    }

    public func releaseWebhooks(_ id: WebhookID?, owner: String) async throws {
        try await transaction("releaseWebhooks") { connection in
            try await run(connection, Self.statements.releaseWebhooks(id, owner: owner).query)
        }
    }

    public func pruneDeliveryAttempts(before: Int64, limit: Int) async throws -> Int {
        try await transaction("pruneDeliveryAttempts") { connection in
            var statement = Self.statements.pruneDeliveryAttempts(before: before, limit: limit)
            statement.text = "WITH pruned AS (\(statement.text) RETURNING 1) SELECT count(*) FROM pruned"
            return try await count(connection, statement.query)
        }
    }

    func lastEventSeq(_ connection: PostgresConnection, _ realmID: RealmID) async throws -> Int64 {
        try await row(connection, Self.statements.lastEventSeq(in: realmID)).map { try $0.integer("last_seq") } ?? 0
    }
}
