/// How a subscription is made, changed and moved for redelivery: the rules both stores apply
/// inside their transaction.
extension Webhook {
    /// A new subscription from `draft`, placed after the realm's last event `lastSeq`.
    public init(_ draft: WebhookDraft, lastSeq: Int64, now: Int64) {
        self.init(
            id: draft.id, realmID: draft.realmID, url: draft.url, types: draft.types, enabled: draft.enabled,
            secret: draft.secret, deliveredThrough: lastSeq, attempts: 0, nextAttemptAtMilliseconds: now,
            createdAtMilliseconds: now, updatedAtMilliseconds: now)
    }

    /// The subscription with `patch` applied. Turning it on makes its next attempt due now.
    public func patched(_ patch: WebhookPatch, now: Int64) -> Webhook {
        var next = self
        if let url = patch.url { next.url = url }
        if let types = patch.types { next.types = types }
        if let secret = patch.secret { next.secret = secret }
        if let enabled = patch.enabled {
            if enabled && !self.enabled { next.nextAttemptAtMilliseconds = now }
            next.enabled = enabled
        }
        if next != self { next.updatedAtMilliseconds = now }
        return next
    }

    /// The subscription moved so that its next delivery is the first event at or after `seq`
    /// it receives, with no failed attempt counted, due now. `seq` must be 1 to `lastSeq + 1`.
    public func redelivered(from seq: Int64, lastSeq: Int64, now: Int64) throws(TallyError) -> Webhook {
        guard seq >= 1, seq <= lastSeq + 1 else {
            throw .validation("from must be an event seq of this realm, 1 to \(lastSeq + 1).")
        }
        var next = self
        next.deliveredThrough = seq - 1
        next.attempts = 0
        next.nextAttemptAtMilliseconds = now
        next.updatedAtMilliseconds = now
        return next
    }

    /// Refuses a new subscription past the realm's `limit`.
    public static func checkCount(_ count: Int, limit: Int) throws(TallyError) {
        guard count < limit else {
            throw .validation("A realm may have at most \(limit) webhook subscriptions; delete one first.")
        }
    }
}
