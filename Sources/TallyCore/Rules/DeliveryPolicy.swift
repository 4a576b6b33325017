/// How delivery retries (docs/EVENTS.md, "Retries"): each event is tried up to `attemptsMax`
/// times; after a failed attempt `n` the next waits `retryBase × 2^(n-1)`, at most `retryCap`,
/// with jitter of ±50 % so receivers that failed together are not retried together. After the
/// last attempt the event is marked failed and delivery moves on to the next event.
public struct DeliveryPolicy: Sendable, Equatable {
    /// Attempts per event (default 5, as DRIP).
    public var attemptsMax: Int
    /// The wait after the first failure.
    public var retryBaseMilliseconds: Int64
    /// The longest wait between attempts.
    public var retryCapMilliseconds: Int64
    /// How long an attempt may take, connecting and answering (default 30 s, as DRIP).
    public var timeoutMilliseconds: Int64
    /// How much of a receiver's answer is read; the rest is dropped unread.
    public var responseBytesMax: Int
    /// Deliveries in flight at once, over every subscription (one per subscription at most, so
    /// that each receives its events in order).
    public var concurrencyMax: Int

    /// The most attempts one event can be given.
    public static let attemptsRange = 1...20

    /// A policy.
    public init(
        attemptsMax: Int = 5, retryBaseMilliseconds: Int64 = 30_000, retryCapMilliseconds: Int64 = 3_600_000,
        timeoutMilliseconds: Int64 = 30_000, responseBytesMax: Int = 4_096, concurrencyMax: Int = 16
    ) {
        self.attemptsMax = attemptsMax
        self.retryBaseMilliseconds = retryBaseMilliseconds
        self.retryCapMilliseconds = retryCapMilliseconds
        self.timeoutMilliseconds = timeoutMilliseconds
        self.responseBytesMax = responseBytesMax
        self.concurrencyMax = concurrencyMax
    }

    /// The defaults.
    public static let standard = DeliveryPolicy()

    /// How long a server holds a subscription it is delivering to before another may take it
    /// over (renewed after every attempt): longer than one attempt can take.
    public var leaseMilliseconds: Int64 { timeoutMilliseconds + 30_000 }

    /// The wait after failed attempt `attempt` (1 for the first), with `jitter` in 0...1.
    public func delay(afterAttempt attempt: Int, jitter: Double) -> Int64 {
        let doublings = min(max(attempt - 1, 0), 40)
        let (scaled, overflow) = retryBaseMilliseconds.multipliedReportingOverflow(by: Int64(1) << doublings)
        let plain = overflow ? retryCapMilliseconds : min(scaled, retryCapMilliseconds)
        let factor = 0.5 + min(max(jitter, 0), 1)
        return max(1, Int64(Double(plain) * factor))
    }

    /// What one attempt at `event` for `webhook` leads to: the attempt's record and the
    /// subscription's next place.
    public func outcome(
        of result: DeliveryResult, event: Event, webhook: Webhook, attemptID: DeliveryAttemptID, startedAt: Int64,
        now: Int64, jitter: Double
    ) -> DeliveryReport {
        let attempt = webhook.attempts + 1
        let outcome: DeliveryAttempt.Outcome =
            result.succeeded ? .delivered : attempt >= attemptsMax ? .failed : .retrying
        let record = DeliveryAttempt(
            id: attemptID, webhookID: webhook.id, eventSeq: event.sequence, eventID: event.id, attempt: attempt,
            outcome: outcome, statusCode: result.statusCode, error: result.error,
            durationMilliseconds: max(0, now - startedAt), attemptedAtMilliseconds: startedAt)
        switch outcome {
        case .delivered:
            return DeliveryReport(attempt: record, deliveredThrough: event.sequence, attempts: 0, nextAttemptAt: now)
        case .failed:
            return DeliveryReport(
                attempt: record, deliveredThrough: event.sequence, attempts: 0, nextAttemptAt: now,
                failedSeq: event.sequence)
        case .retrying:
            return DeliveryReport(
                attempt: record, deliveredThrough: webhook.deliveredThrough, attempts: attempt,
                nextAttemptAt: now + delay(afterAttempt: attempt, jitter: jitter))
        }
    }
}

/// What a receiver did with one delivery.
public enum DeliveryResult: Sendable, Equatable {
    /// It answered with `status`.
    case answered(status: Int)
    /// No answer: refused, timed out, unreachable, or the address was not allowed; `reason` in a
    /// few words.
    case noAnswer(reason: String)

    /// A 2xx answer.
    public var succeeded: Bool {
        if case .answered(let status) = self { return (200...299).contains(status) }
        return false
    }

    /// The status, if one came.
    public var statusCode: Int? {
        if case .answered(let status) = self { return status }
        return nil
    }

    /// Why it failed, or nil when it succeeded.
    public var error: String? {
        switch self {
        case .answered(let status): (200...299).contains(status) ? nil : "HTTP \(status)"
        case .noAnswer(let reason): reason
        }
    }
}

/// One attempt's record and where it leaves the subscription, written together.
public struct DeliveryReport: Sendable, Equatable {
    /// The attempt.
    public let attempt: DeliveryAttempt
    /// The subscription's `deliveredThrough` after it.
    public let deliveredThrough: Int64
    /// Failed attempts at the next event after it.
    public let attempts: Int
    /// The earliest next attempt.
    public let nextAttemptAt: Int64
    /// The event marked failed by it, if it was the last attempt.
    public let failedSeq: Int64?

    /// A report.
    public init(
        attempt: DeliveryAttempt, deliveredThrough: Int64, attempts: Int, nextAttemptAt: Int64,
        failedSeq: Int64? = nil
    ) {
        self.attempt = attempt
        self.deliveredThrough = deliveredThrough
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.failedSeq = failedSeq
    }
}
