import GRDB
import TallyCore

extension SQLiteLedgerStore {
    public func createWebhook(_ draft: WebhookDraft, limit: Int, now: Int64) async throws -> Webhook {
        try await write("createWebhook") { db in
            try Self.requireRealm(db, draft.realmID)
            try Webhook.checkCount(try db.count(Self.statements.webhookCount(in: draft.realmID)), limit: limit)
            let webhook = Webhook(draft, lastSeq: try Self.lastEventSeq(db, draft.realmID), now: now)
            try db.execute(Self.statements.insert(webhook))
            return webhook
        }
    }

    public func webhooks(in realmID: RealmID?) async throws -> [Webhook] {
        try await read("webhooks") { db in
            if let realmID { try Self.requireRealm(db, realmID) }
            return try db.rows(Self.statements.webhooks(in: realmID)).map(Webhook.init(stored:))
        }
    }

    public func webhook(_ id: WebhookID, in realmID: RealmID) async throws -> Webhook? {
        try await read("webhook") { db in
            try db.row(Self.statements.webhook(id, in: realmID)).map(Webhook.init(stored:))
        }
    }

    public func updateWebhook(_ id: WebhookID, in realmID: RealmID, _ patch: WebhookPatch, now: Int64) async throws
        -> Webhook?
    {
        try await write("updateWebhook") { db in
            guard let row = try db.row(Self.statements.webhook(id, in: realmID)) else { return nil }
            let webhook = try Webhook(stored: row).patched(patch, now: now)
            try db.execute(Self.statements.update(webhook))
            return webhook
        }
    }

    public func deleteWebhook(_ id: WebhookID, in realmID: RealmID) async throws -> Bool {
        try await write("deleteWebhook") { db in
            try db.execute(Self.statements.deleteDeliveryAttempts(of: id))
            return try db.row(Self.statements.deleteWebhook(id, in: realmID)) != nil
        }
    }

    public func redeliverWebhook(_ id: WebhookID, in realmID: RealmID, from seq: Int64, now: Int64) async throws
        -> Webhook?
    {
        try await write("redeliverWebhook") { db in
            guard let row = try db.row(Self.statements.webhook(id, in: realmID)) else { return nil }
            let webhook = try Webhook(stored: row).redelivered(
                from: seq, lastSeq: try Self.lastEventSeq(db, realmID), now: now)
            try db.execute(Self.statements.update(webhook, releasingLease: true))
            return webhook
        }
    }

    public func deliveryAttempts(of id: WebhookID, in realmID: RealmID, limit: Int) async throws -> [DeliveryAttempt]? {
        try await read("deliveryAttempts") { db in
            guard try db.row(Self.statements.webhook(id, in: realmID)) != nil else { return nil }
            return try db.rows(Self.statements.deliveryAttempts(of: id, limit: limit)).map(
                DeliveryAttempt.init(stored:))
        }
    }

    public func claimWebhooks(owner: String, now: Int64, leaseUntil: Int64, limit: Int) async throws -> [Webhook] {
        try await write("claimWebhooks") { db in
            try db.rows(Self.statements.claimWebhooks(owner: owner, now: now, leaseUntil: leaseUntil, limit: limit))
                .map(Webhook.init(stored:))
        }
    }

    public func lastEventSeq(in realmID: RealmID) async throws -> Int64 {
        try await read("lastEventSeq") { db in try Self.lastEventSeq(db, realmID) }
    }

    public func recordDelivery(_ report: DeliveryReport, owner: String, leaseUntil: Int64) async throws -> Bool {
        try await write("recordDelivery") { db in
            guard let row = try db.row(Self.statements.recordDelivery(report, owner: owner, leaseUntil: leaseUntil))
            else { return false }
            try db.execute(Self.statements.insert(report.attempt))
            return row.boolean("enabled")
        }
    }

    public func advanceWebhook(_ id: WebhookID, through seq: Int64, owner: String) async throws {
        try await write("advanceWebhook") { db in
            try db.execute(Self.statements.advanceWebhook(id, through: seq, owner: owner))
        }
    }

    public func releaseWebhooks(_ id: WebhookID?, owner: String) async throws {
        try await write("releaseWebhooks") { db in try db.execute(Self.statements.releaseWebhooks(id, owner: owner)) }
    }

    public func pruneDeliveryAttempts(before: Int64, limit: Int) async throws -> Int {
        try await write("pruneDeliveryAttempts") { db in
            try db.execute(Self.statements.pruneDeliveryAttempts(before: before, limit: limit))
            return db.changesCount
        }
    }

    static func lastEventSeq(_ db: Database, _ realmID: RealmID) throws -> Int64 {
        try db.row(statements.lastEventSeq(in: realmID)).map { $0.integer("last_seq") } ?? 0
    }
}
