/// The webhook role of the storage contract: subscriptions and where their delivery stands, kept
/// in the database so that a restart, a crash or another server resumes where delivery stopped
/// (docs/EVENTS.md). The rules are in TallyCore (`WebhookURL`, `DeliveryPolicy`); a store runs
/// the statements of `StoredStatements` (WebhookStatements.swift).
///
/// Each method is one transaction; a storage failure is `TallyError.unavailable`.
public protocol WebhookStore: Sendable {
    /// Stores a new subscription, placed after the realm's last event (it receives the events
    /// that follow). `Not Found` when the realm does not exist; `VALIDATION_ERROR` when the realm
    /// already has `limit` subscriptions.
    func createWebhook(_ draft: WebhookDraft, limit: Int, now: Int64) async throws -> Webhook
    /// The realm's subscriptions, or every realm's when nil, oldest first.
    func webhooks(in realmID: RealmID?) async throws -> [Webhook]
    /// The realm's subscription `id`, or nil (also when it belongs to another realm).
    func webhook(_ id: WebhookID, in realmID: RealmID) async throws -> Webhook?
    /// Changes the subscription's settings; nil when there is no such subscription in the realm.
    func updateWebhook(_ id: WebhookID, in realmID: RealmID, _ patch: WebhookPatch, now: Int64) async throws
        -> Webhook?
    /// Deletes the subscription and its attempts; false when there is none in the realm. No
    /// attempt starts after this returns (one already on the wire may still arrive).
    func deleteWebhook(_ id: WebhookID, in realmID: RealmID) async throws -> Bool
    /// Moves delivery back (or forward) so that the next event delivered is the first one at or
    /// after `seq` the subscription receives, with no failed attempts counted; nil when there is
    /// no such subscription. `VALIDATION_ERROR` when `seq` is past the realm's last event + 1.
    func redeliverWebhook(_ id: WebhookID, in realmID: RealmID, from seq: Int64, now: Int64) async throws -> Webhook?
    /// The subscription's latest `limit` attempts, newest first; nil when there is no such
    /// subscription in the realm.
    func deliveryAttempts(of id: WebhookID, in realmID: RealmID, limit: Int) async throws -> [DeliveryAttempt]?

    // MARK: The deliverer's part

    /// Takes up to `limit` enabled subscriptions with events to deliver whose next attempt is due
    /// and whose lease is free or ran out, for `owner` until `leaseUntil`. Two servers never hold
    /// one subscription at once.
    func claimWebhooks(owner: String, now: Int64, leaseUntil: Int64, limit: Int) async throws -> [Webhook]
    /// The realm's last event `seq` (0 before its first).
    func lastEventSeq(in realmID: RealmID) async throws -> Int64
    /// Records the attempt and where it leaves the subscription, and renews the lease, in one
    /// transaction, if `owner` still holds the subscription. Returns whether delivery may go on:
    /// false when the subscription was deleted, disabled or taken over (nothing is then written).
    func recordDelivery(_ report: DeliveryReport, owner: String, leaseUntil: Int64) async throws -> Bool
    /// Moves the subscription past events it does not receive, up to `seq`, if `owner` holds it.
    func advanceWebhook(_ id: WebhookID, through seq: Int64, owner: String) async throws
    /// Frees `owner`'s lease of one subscription; or, when `id` is nil, every lease taken as
    /// `owner` or as one of its claims, `owner#…` (a server that starts again frees what it held
    /// before it stopped).
    func releaseWebhooks(_ id: WebhookID?, owner: String) async throws
    /// Deletes up to `limit` attempts recorded before `before`; returns how many.
    func pruneDeliveryAttempts(before: Int64, limit: Int) async throws -> Int
}
