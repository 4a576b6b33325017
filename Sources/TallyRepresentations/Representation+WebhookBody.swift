import Foundation
import TallyCore

extension Representation {
    /// The body of a webhook delivery (docs/EVENTS.md): DRIP's `type` and `data`, with the
    /// event's `id`, `seq`, `realmId` and `createdAt`.
    public struct WebhookDeliveryBody: Encodable, Sendable {
        public let id: String
        public let type: String
        public let realmId: String
        public let seq: Int64
        public let createdAt: String
        public let data: JSONValue

        /// The body of `event`.
        public init(_ event: Event) {
            id = event.id.rawValue
            type = event.type.rawValue
            realmId = event.realmID.rawValue
            seq = event.sequence
            createdAt = Timestamp.iso8601(milliseconds: event.createdAtMilliseconds)
            data = event.data
        }

        /// The exact bytes sent and signed: compact JSON, keys sorted, `/` not escaped. Parsing
        /// them and writing them again with JavaScript's `JSON.stringify` gives the same bytes,
        /// which DRIP's own verification example relies on.
        public static func bytes(of event: Event) -> [UInt8] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            // Encoding strings, integers, booleans and nulls cannot fail.
            return Array((try? encoder.encode(WebhookDeliveryBody(event))) ?? Data())
        }
    }

    /// A webhook subscription as the API shows it; `secret` only in the answers to its creation
    /// and to a rotation, the only times the secret is shown.
    public struct WebhookBody: Encodable, Sendable {
        public let id: String
        public let secret: String?
        public let realmId: String
        public let url: String
        public let types: [String]?
        public let enabled: Bool
        public let delivery: WebhookDeliveryState
        public let createdAt: String
        public let updatedAt: String

        /// The shape of `webhook`, its secret included only when `showingSecret`.
        public init(_ webhook: Webhook, showingSecret: Bool = false) {
            id = webhook.id.rawValue
            secret = showingSecret ? webhook.secret.text : nil
            realmId = webhook.realmID.rawValue
            url = webhook.url
            types = webhook.types.map { $0.sorted().map(\.rawValue) }
            enabled = webhook.enabled
            delivery = WebhookDeliveryState(webhook)
            createdAt = Timestamp.iso8601(milliseconds: webhook.createdAtMilliseconds)
            updatedAt = Timestamp.iso8601(milliseconds: webhook.updatedAtMilliseconds)
        }

        enum CodingKeys: String, CodingKey {
            case id, secret, realmId, url, types, enabled, delivery, createdAt, updatedAt
        }

        /// Writes `types` as null for every type, and `secret` only when shown.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encodeIfPresent(secret, forKey: .secret)
            try container.encode(realmId, forKey: .realmId)
            try container.encode(url, forKey: .url)
            try container.encode(types, forKey: .types)
            try container.encode(enabled, forKey: .enabled)
            try container.encode(delivery, forKey: .delivery)
            try container.encode(createdAt, forKey: .createdAt)
            try container.encode(updatedAt, forKey: .updatedAt)
        }
    }

    /// Where a subscription's delivery stands.
    public struct WebhookDeliveryState: Encodable, Sendable {
        public let deliveredThrough: Int64
        public let pendingAttempts: Int
        public let nextAttemptAt: String
        public let lastFailedSeq: Int64?

        init(_ webhook: Webhook) {
            deliveredThrough = webhook.deliveredThrough
            pendingAttempts = webhook.attempts
            nextAttemptAt = Timestamp.iso8601(milliseconds: webhook.nextAttemptAtMilliseconds)
            lastFailedSeq = webhook.lastFailedSeq
        }

        enum CodingKeys: String, CodingKey { case deliveredThrough, pendingAttempts, nextAttemptAt, lastFailedSeq }

        /// Writes `lastFailedSeq` as null when none failed.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(deliveredThrough, forKey: .deliveredThrough)
            try container.encode(pendingAttempts, forKey: .pendingAttempts)
            try container.encode(nextAttemptAt, forKey: .nextAttemptAt)
            try container.encode(lastFailedSeq, forKey: .lastFailedSeq)
        }
    }

    /// One recorded delivery attempt.
    public struct DeliveryAttemptBody: Encodable, Sendable {
        public let id: String
        public let eventSeq: Int64
        public let eventId: String
        public let attempt: Int
        public let outcome: String
        public let statusCode: Int?
        public let error: String?
        public let durationMs: Int64
        public let attemptedAt: String

        /// The shape of `attempt`.
        public init(_ attempt: DeliveryAttempt) {
            id = attempt.id.rawValue
            eventSeq = attempt.eventSeq
            eventId = attempt.eventID.rawValue
            self.attempt = attempt.attempt
            outcome = attempt.outcome.rawValue
            statusCode = attempt.statusCode
            error = attempt.error
            durationMs = attempt.durationMilliseconds
            attemptedAt = Timestamp.iso8601(milliseconds: attempt.attemptedAtMilliseconds)
        }

        enum CodingKeys: String, CodingKey {
            case id, eventSeq, eventId, attempt, outcome, statusCode, error, durationMs, attemptedAt
        }

        /// Writes `statusCode` and `error` as null when absent.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(eventSeq, forKey: .eventSeq)
            try container.encode(eventId, forKey: .eventId)
            try container.encode(attempt, forKey: .attempt)
            try container.encode(outcome, forKey: .outcome)
            try container.encode(statusCode, forKey: .statusCode)
            try container.encode(error, forKey: .error)
            try container.encode(durationMs, forKey: .durationMs)
            try container.encode(attemptedAt, forKey: .attemptedAt)
        }
    }
}
