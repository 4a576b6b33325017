/// A realm's webhook subscription (docs/EVENTS.md): where its events are POSTed, which types,
/// whether it is on, the secret that signs them, and how far delivery has come.
public struct Webhook: Sendable, Equatable {
    /// Its id.
    public let id: WebhookID
    /// The realm whose events it receives; never another realm's.
    public let realmID: RealmID
    /// Where deliveries go: an `http` or `https` URL (`WebhookURL`).
    public var url: String
    /// The types it receives; nil for every type.
    public var types: Set<EventType>?
    /// Whether deliveries are made. A disabled subscription keeps its place and resumes there.
    public var enabled: Bool
    /// The signing secret. Shown once, at creation and on rotation; never logged.
    public var secret: WebhookSecret
    /// How far delivery has come: the realm's events up to this `seq` are done (delivered, or
    /// failed after every attempt). Starts at the realm's last event when created.
    public var deliveredThrough: Int64
    /// Failed attempts so far at the next event to deliver (0 when none has failed).
    public var attempts: Int
    /// The earliest time the next attempt may be made (milliseconds since 1970).
    public var nextAttemptAtMilliseconds: Int64
    /// The `seq` of the last event that failed every attempt, or nil.
    public var lastFailedSeq: Int64?
    /// When it was created.
    public let createdAtMilliseconds: Int64
    /// When its settings last changed.
    public var updatedAtMilliseconds: Int64

    /// A subscription.
    public init(
        id: WebhookID, realmID: RealmID, url: String, types: Set<EventType>?, enabled: Bool, secret: WebhookSecret,
        deliveredThrough: Int64, attempts: Int = 0, nextAttemptAtMilliseconds: Int64 = 0, lastFailedSeq: Int64? = nil,
        createdAtMilliseconds: Int64, updatedAtMilliseconds: Int64
    ) {
        self.id = id
        self.realmID = realmID
        self.url = url
        self.types = types
        self.enabled = enabled
        self.secret = secret
        self.deliveredThrough = deliveredThrough
        self.attempts = attempts
        self.nextAttemptAtMilliseconds = nextAttemptAtMilliseconds
        self.lastFailedSeq = lastFailedSeq
        self.createdAtMilliseconds = createdAtMilliseconds
        self.updatedAtMilliseconds = updatedAtMilliseconds
    }

    /// Whether it receives events of `type`.
    public func receives(_ type: EventType) -> Bool { types?.contains(type) ?? true }
}

/// A new subscription, before the store places it after the realm's last event.
public struct WebhookDraft: Sendable, Equatable {
    /// Its id.
    public let id: WebhookID
    /// Its realm.
    public let realmID: RealmID
    /// Its URL, already checked (`WebhookURL`).
    public let url: String
    /// Its types; nil for every type.
    public let types: Set<EventType>?
    /// Whether it starts on.
    public let enabled: Bool
    /// Its secret.
    public let secret: WebhookSecret

    /// A draft.
    public init(
        id: WebhookID, realmID: RealmID, url: String, types: Set<EventType>?, enabled: Bool, secret: WebhookSecret
    ) {
        self.id = id
        self.realmID = realmID
        self.url = url
        self.types = types
        self.enabled = enabled
        self.secret = secret
    }
}

/// A change to a subscription's settings; nil fields stay as they are.
public struct WebhookPatch: Sendable, Equatable {
    /// A new URL, already checked.
    public var url: String?
    /// New types: `.some(nil)` for every type.
    public var types: Set<EventType>??
    /// On or off.
    public var enabled: Bool?
    /// A new secret (rotation).
    public var secret: WebhookSecret?

    /// A patch.
    public init(
        url: String? = nil, types: Set<EventType>?? = nil, enabled: Bool? = nil, secret: WebhookSecret? = nil
    ) {
        self.url = url
        self.types = types
        self.enabled = enabled
        self.secret = secret
    }

    /// True when it changes nothing.
    public var isEmpty: Bool { url == nil && types == nil && enabled == nil && secret == nil }
}

/// A subscription's signing secret: `whsec_` and 64 hex digits of randomness. Unlike an API key,
/// it is stored as it is, because the server needs it to sign; it is shown only when made.
public struct WebhookSecret: Sendable, Equatable, CustomStringConvertible {
    /// The secret's text, the HMAC key (as UTF-8 bytes).
    public let text: String

    static let prefix = "whsec_"

    /// A new random secret.
    public init(random: some RandomNumberGenerator = SystemRandomNumberGenerator()) {
        var rng = random
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        text = Self.prefix + Hex.encode(bytes)
    }

    /// A secret read back from storage.
    public init(stored text: String) { self.text = text }

    /// Never the secret itself, so that logging a subscription cannot leak it.
    public var description: String { "whsec_…" }
}

/// One try at delivering one event to one subscription, as recorded.
public struct DeliveryAttempt: Sendable, Equatable {
    /// What came of it.
    public enum Outcome: String, Sendable, CaseIterable {
        /// The receiver answered 2xx.
        case delivered
        /// It failed and will be tried again.
        case retrying
        /// It failed and was the last attempt: the event is marked failed.
        case failed
    }

    /// Its id.
    public let id: DeliveryAttemptID
    /// The subscription.
    public let webhookID: WebhookID
    /// The event's place in the realm's feed.
    public let eventSeq: Int64
    /// The event's id.
    public let eventID: EventID
    /// 1 for the first attempt at this event.
    public let attempt: Int
    /// What came of it.
    public let outcome: Outcome
    /// The receiver's status, or nil when none came (refused, timed out, unreachable).
    public let statusCode: Int?
    /// Why it failed, in a few words (no response body, no secret), or nil.
    public let error: String?
    /// How long it took.
    public let durationMilliseconds: Int64
    /// When it was made.
    public let attemptedAtMilliseconds: Int64

    /// An attempt.
    public init(
        id: DeliveryAttemptID, webhookID: WebhookID, eventSeq: Int64, eventID: EventID, attempt: Int,
        outcome: Outcome, statusCode: Int?, error: String?, durationMilliseconds: Int64,
        attemptedAtMilliseconds: Int64
    ) {
        self.id = id
        self.webhookID = webhookID
        self.eventSeq = eventSeq
        self.eventID = eventID
        self.attempt = attempt
        self.outcome = outcome
        self.statusCode = statusCode
        self.error = error
        self.durationMilliseconds = durationMilliseconds
        self.attemptedAtMilliseconds = attemptedAtMilliseconds
    }
}
