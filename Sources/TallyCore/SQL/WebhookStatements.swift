/// The statements of webhook subscriptions and their delivery (`WebhookStore`), worded once for
/// both engines.
extension StoredStatements {
    /// The stored form of a subscription's types: sorted names joined by commas, or NULL for all.
    static func storedTypes(_ types: Set<EventType>?) -> String? {
        types.map { $0.sorted().map(\.rawValue).joined(separator: ",") }
    }

    /// The realm's last event `seq` (no row when it has none yet).
    public func lastEventSeq(in realmID: RealmID) -> SQLStatement {
        var sql = statement()
        sql.text = "SELECT last_seq FROM event_sequences WHERE realm_id = \(sql.bind(realmID.rawValue))"
        return sql
    }

    /// How many subscriptions the realm has.
    public func webhookCount(in realmID: RealmID) -> SQLStatement {
        var sql = statement()
        sql.text = "SELECT count(*) AS count FROM webhooks WHERE realm_id = \(sql.bind(realmID.rawValue))"
        return sql
    }

    /// Inserts the subscription.
    public func insert(_ webhook: Webhook) -> SQLStatement {
        SQLStatement(
            dialect, insertInto: "webhooks",
            [
                "id": .text(webhook.id.rawValue), "realm_id": .text(webhook.realmID.rawValue),
                "url": .text(webhook.url), "types": .text(Self.storedTypes(webhook.types)),
                "enabled": .boolean(webhook.enabled), "secret": .text(webhook.secret.text),
                "delivered_through": .integer(webhook.deliveredThrough), "attempts": .integer(Int64(webhook.attempts)),
                "next_attempt_at": .integer(webhook.nextAttemptAtMilliseconds),
                "last_failed_seq": .integer(webhook.lastFailedSeq),
                "created_at": .integer(webhook.createdAtMilliseconds),
                "updated_at": .integer(webhook.updatedAtMilliseconds),
            ])
    }

    /// The realm's subscriptions, or every realm's when nil, oldest first.
    public func webhooks(in realmID: RealmID?) -> SQLStatement {
        var sql = statement()
        let filter = realmID.map { " WHERE realm_id = \(sql.bind($0.rawValue))" } ?? ""
        sql.text = "SELECT \(StoredSchema.webhookColumns) FROM webhooks\(filter) ORDER BY created_at, id"
        return sql
    }

    /// The subscription `id` of the realm; `locking` it until the transaction ends (PostgreSQL)
    /// when it is read to be written back.
    public func webhook(_ id: WebhookID, in realmID: RealmID, locking: Bool = false) -> SQLStatement {
        var sql = statement()
        sql.text = """
            SELECT \(StoredSchema.webhookColumns) FROM webhooks
            WHERE id = \(sql.bind(id.rawValue)) AND realm_id = \(sql.bind(realmID.rawValue))\(locking ? dialect.lockRows : "")
            """
        return sql
    }

    /// Writes the subscription's settings and delivery place as `webhook` holds them. With
    /// `releasingLease`, a server delivering to it loses its lease, so that its next record of
    /// an attempt is refused and it stops (a redelivery moves the place it would overwrite).
    public func update(_ webhook: Webhook, releasingLease: Bool = false) -> SQLStatement {
        var sql = statement()
        let lease = releasingLease ? ", lease_owner = NULL, lease_until = NULL" : ""
        sql.text = """
            UPDATE webhooks SET url = \(sql.bind(webhook.url)), types = \(sql.bind(Self.storedTypes(webhook.types))),
                enabled = \(sql.bind(webhook.enabled)), secret = \(sql.bind(webhook.secret.text)),
                delivered_through = \(sql.bind(webhook.deliveredThrough)),
                attempts = \(sql.bind(Int64(webhook.attempts))),
                next_attempt_at = \(sql.bind(webhook.nextAttemptAtMilliseconds)),
                last_failed_seq = \(sql.bind(webhook.lastFailedSeq)),
                updated_at = \(sql.bind(webhook.updatedAtMilliseconds))\(lease)
            WHERE id = \(sql.bind(webhook.id.rawValue)) AND realm_id = \(sql.bind(webhook.realmID.rawValue))
            """
        return sql
    }

    /// Deletes the subscription (its attempts go with it).
    public func deleteWebhook(_ id: WebhookID, in realmID: RealmID) -> SQLStatement {
        var sql = statement()
        sql.text = """
            DELETE FROM webhooks WHERE id = \(sql.bind(id.rawValue)) AND realm_id = \(sql.bind(realmID.rawValue))
            RETURNING id
            """
        return sql
    }

    /// Deletes the subscription's recorded attempts.
    public func deleteDeliveryAttempts(of id: WebhookID) -> SQLStatement {
        var sql = statement()
        sql.text = "DELETE FROM webhook_attempts WHERE webhook_id = \(sql.bind(id.rawValue))"
        return sql
    }

    /// The subscription's latest `limit` attempts, newest first.
    public func deliveryAttempts(of id: WebhookID, limit: Int) -> SQLStatement {
        var sql = statement()
        sql.text = """
            SELECT \(StoredSchema.deliveryAttemptColumns) FROM webhook_attempts
            WHERE webhook_id = \(sql.bind(id.rawValue))
            ORDER BY attempted_at DESC, id DESC LIMIT \(sql.bind(Int64(limit)))
            """
        return sql
    }

    /// Takes up to `limit` subscriptions that have events to deliver and are due, and whose lease
    /// is free or ran out, for `owner` until `leaseUntil`. On PostgreSQL the rows another server
    /// is taking at the same moment are skipped, so exactly one server holds each.
    public func claimWebhooks(owner: String, now: Int64, leaseUntil: Int64, limit: Int) -> SQLStatement {
        var sql = statement()
        let ownerValue = sql.bind(owner)
        let until = sql.bind(leaseUntil)
        let nowValue = sql.bind(now)
        let skipLocked = dialect.lockRows.isEmpty ? "" : "\(dialect.lockRows) OF w SKIP LOCKED"
        sql.text = """
            UPDATE webhooks SET lease_owner = \(ownerValue), lease_until = \(until)
            WHERE id IN (
                SELECT w.id FROM webhooks w JOIN event_sequences s ON s.realm_id = w.realm_id
                WHERE \(dialect.isTrue("w.enabled")) AND s.last_seq > w.delivered_through
                    AND w.next_attempt_at <= \(nowValue)
                    AND (w.lease_owner IS NULL OR w.lease_until < \(nowValue))
                ORDER BY w.next_attempt_at LIMIT \(sql.bind(Int64(limit)))\(skipLocked)
            )
            RETURNING \(StoredSchema.webhookColumns)
            """
        return sql
    }

    /// Writes where an attempt left the subscription and renews the lease, if `owner` still holds
    /// it; returns the row's `enabled` (no row: deleted, or taken over).
    public func recordDelivery(_ report: DeliveryReport, owner: String, leaseUntil: Int64) -> SQLStatement {
        var sql = statement()
        sql.text = """
            UPDATE webhooks SET delivered_through = \(sql.bind(report.deliveredThrough)),
                attempts = \(sql.bind(Int64(report.attempts))), next_attempt_at = \(sql.bind(report.nextAttemptAt)),
                last_failed_seq = COALESCE(\(sql.bind(report.failedSeq)), last_failed_seq),
                lease_until = \(sql.bind(leaseUntil))
            WHERE id = \(sql.bind(report.attempt.webhookID.rawValue)) AND lease_owner = \(sql.bind(owner))
            RETURNING enabled
            """
        return sql
    }

    /// Inserts the attempt.
    public func insert(_ attempt: DeliveryAttempt) -> SQLStatement {
        SQLStatement(
            dialect, insertInto: "webhook_attempts",
            [
                "id": .text(attempt.id.rawValue), "webhook_id": .text(attempt.webhookID.rawValue),
                "event_seq": .integer(attempt.eventSeq), "event_id": .text(attempt.eventID.rawValue),
                "attempt": .integer(Int64(attempt.attempt)), "outcome": .text(attempt.outcome.rawValue),
                "status_code": .integer(attempt.statusCode.map { Int64($0) }), "error": .text(attempt.error),
                "duration_ms": .integer(attempt.durationMilliseconds),
                "attempted_at": .integer(attempt.attemptedAtMilliseconds),
            ])
    }

    /// Moves the subscription past events it does not receive, up to `seq`, if `owner` holds it.
    public func advanceWebhook(_ id: WebhookID, through seq: Int64, owner: String) -> SQLStatement {
        var sql = statement()
        sql.text = """
            UPDATE webhooks SET delivered_through = \(sql.bind(seq))
            WHERE id = \(sql.bind(id.rawValue)) AND lease_owner = \(sql.bind(owner)) AND delivered_through < \(sql.bind(seq))
            """
        return sql
    }

    /// Frees the lease `owner` holds of one subscription; or, when `id` is nil, every lease
    /// taken under `owner` or any claim of it (`owner#…`), as a server does when it starts.
    public func releaseWebhooks(_ id: WebhookID?, owner: String) -> SQLStatement {
        var sql = statement()
        if let id {
            sql.text = """
                UPDATE webhooks SET lease_owner = NULL, lease_until = NULL
                WHERE lease_owner = \(sql.bind(owner)) AND id = \(sql.bind(id.rawValue))
                """
        } else {
            let prefix = sql.bind(owner + "#")
            sql.text = """
                UPDATE webhooks SET lease_owner = NULL, lease_until = NULL
                WHERE lease_owner = \(sql.bind(owner)) OR substr(lease_owner, 1, length(\(prefix))) = \(prefix)
                """
        }
        return sql
    }

    /// Deletes up to `limit` attempts made before `before`, oldest first.
    public func pruneDeliveryAttempts(before: Int64, limit: Int) -> SQLStatement {
        var sql = statement()
        sql.text = """
            DELETE FROM webhook_attempts WHERE id IN (
                SELECT id FROM webhook_attempts WHERE attempted_at < \(sql.bind(before))
                ORDER BY attempted_at LIMIT \(sql.bind(Int64(limit)))
            )
            """
        return sql
    }
}
