import Logging
import ServiceLifecycle
import Synchronization
import TallyCore
import TallyMetrics
import TallyRepresentations

/// Delivers every realm's events to its webhook subscriptions (docs/EVENTS.md), beside the server
/// until graceful shutdown.
///
/// Each pass it claims the subscriptions that have events to deliver and are due (a lease in the
/// database, so with several servers on one PostgreSQL database exactly one delivers to a
/// subscription at a time), up to the free places of its `concurrencyMax`. Each claimed
/// subscription gets a task of its own that sends its events one at a time, in `seq` order,
/// recording every attempt and moving the subscription's place in the same transaction, until
/// one fails (then the subscription waits for its retry) or none is left. A slow receiver holds
/// only its own task. The place lives in the database, so a restart or a crash resumes where
/// delivery stopped: an event whose attempt was under way is sent again (at least once).
public struct WebhookDeliverer: Service {
    let store: any LedgerStore
    let sender: any WebhookSender
    let policy: DeliveryPolicy
    let owner: String
    let clock: TallyClock
    let metrics: TallyMetrics
    let logger: Logger
    let pollInterval: Duration
    let attemptRetentionMilliseconds: Int64
    let ids = IDGenerator()

    /// Events read at a time for one subscription.
    static let pageSize = 50
    /// Events one task delivers before it lets the subscription go for the next pass (so that
    /// many busy subscriptions take turns).
    static let eventsPerTurn = 500
    /// The wait before claiming again after the store failed to answer a claim.
    static let retryAfterFailure = Duration.seconds(5)
    /// Attempts deleted at a time when pruning.
    static let pruneBatch = 1_000

    /// A deliverer. `owner` names this server in the leases it takes: the same on every start of
    /// one server (host and port), so that on start it frees what it held before it stopped.
    public init(
        store: any LedgerStore, sender: any WebhookSender, policy: DeliveryPolicy, owner: String,
        clock: TallyClock = .system, metrics: TallyMetrics = .disabled, logger: Logger,
        pollInterval: Duration = .milliseconds(200), attemptRetentionDays: Int64 = 30
    ) {
        self.store = store
        self.sender = sender
        self.policy = policy
        self.owner = owner
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.pollInterval = pollInterval
        attemptRetentionMilliseconds = attemptRetentionDays * 86_400_000
    }

    public func run() async throws {
        let inFlight = InFlight()
        await cancelWhenGracefulShutdown {
            // What this server held when it last stopped is free again.
            do {
                try await store.releaseWebhooks(nil, owner: owner)
            } catch {
                logger.warning("could not free webhook leases at start", metadata: ["error": "\(error)"])
            }
            var lastPrune: Int64 = 0
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    let free = policy.concurrencyMax - inFlight.count.withLock { $0 }
                    var wait = pollInterval
                    if free > 0 {
                        // Each pass claims under a name of its own, so that a task of an earlier
                        // pass that lost its lease (a redelivery takes it away) cannot free or
                        // write through the lease of a later one.
                        let claimant = "\(owner)#\(ids.make(KeyKind.self))"
                        let claimed = await claim(as: claimant, limit: free)
                        // The database is not answering: look again later, not every pass.
                        if claimed == nil { wait = Self.retryAfterFailure }
                        for webhook in claimed ?? [] {
                            inFlight.count.withLock { $0 += 1 }
                            metrics.webhookDeliveriesInFlight(by: 1)
                            group.addTask {
                                await deliver(webhook, as: claimant)
                                inFlight.count.withLock { $0 -= 1 }
                                metrics.webhookDeliveriesInFlight(by: -1)
                            }
                        }
                    }
                    let now = clock.now.millisecondsSince1970
                    if now - lastPrune >= 3_600_000 {
                        lastPrune = now
                        await prune(now: now)
                    }
                    try? await clock.sleep(for: wait)
                }
            }
        }
        await sender.shutdown()
    }

    /// Claims due subscriptions; nil when the store failed (the failure is logged).
    func claim(as claimant: String, limit: Int) async -> [Webhook]? {
        let now = clock.now.millisecondsSince1970
        do {
            return try await store.claimWebhooks(
                owner: claimant, now: now, leaseUntil: now + policy.leaseMilliseconds, limit: limit)
        } catch {
            if !Task.isCancelled {
                logger.warning("could not claim webhook subscriptions", metadata: ["error": "\(error)"])
            }
            return nil
        }
    }

    /// Delivers `webhook`'s events in order until one fails, none is left, or its turn is over,
    /// then lets it go.
    func deliver(_ claimed: Webhook, as claimant: String) async {
        var webhook = claimed
        do {
            var sent = 0
            turn: while sent < Self.eventsPerTurn, !Task.isCancelled {
                // Every event up to the horizon has committed; a page shorter than asked holds
                // every event up to it that the subscription receives.
                let horizon = try await store.lastEventSeq(in: webhook.realmID)
                let events = try await store.events(
                    in: webhook.realmID, after: webhook.deliveredThrough, limit: Self.pageSize, types: webhook.types)
                for event in events {
                    guard let next = try await attempt(event, webhook, as: claimant) else { break turn }
                    webhook = next
                    sent += 1
                    if webhook.deliveredThrough < event.sequence { break turn }  // to be retried later
                }
                if events.count < Self.pageSize {
                    if horizon > webhook.deliveredThrough {
                        try await store.advanceWebhook(webhook.id, through: horizon, owner: claimant)
                    }
                    break
                }
            }
        } catch {
            if !Task.isCancelled {
                logger.warning(
                    "webhook delivery stopped; will resume",
                    metadata: ["webhook": "\(webhook.id)", "error": "\(error)"])
            }
        }
        do {
            try await store.releaseWebhooks(webhook.id, owner: claimant)
        } catch {
            // The lease runs out by itself.
        }
    }

    /// One attempt at `event`: sent, recorded with the subscription's new place. Returns the
    /// subscription as it now stands, or nil when delivery must stop (deleted, disabled, or
    /// taken over).
    func attempt(_ event: Event, _ webhook: Webhook, as claimant: String) async throws -> Webhook? {
        let body = Representation.WebhookDeliveryBody.bytes(of: event)
        let started = clock.now.millisecondsSince1970
        let timestamp = started / 1_000
        let headers = [
            (WebhookSignature.dripHeader, WebhookSignature.drip(body: body, secret: webhook.secret)),
            (
                WebhookSignature.tallyHeader,
                WebhookSignature.tally(body: body, timestamp: timestamp, secret: webhook.secret)
            ),
            (WebhookSignature.timestampHeader, String(timestamp)),
            (WebhookSignature.eventIDHeader, event.id.rawValue),
            (WebhookSignature.eventTypeHeader, event.type.rawValue),
        ]
        guard let url = try? WebhookURL(webhook.url, allowPrivate: true, limits: .standard) else {
            throw TallyError.validation("stored webhook URL is not valid")
        }
        let result = await sender.send(
            url: url, body: body, headers: headers, timeout: .milliseconds(policy.timeoutMilliseconds))
        let now = clock.now.millisecondsSince1970
        logger.debug(
            "webhook attempt",
            metadata: [
                "webhook": "\(webhook.id)", "seq": "\(event.sequence)", "attempt": "\(webhook.attempts + 1)",
                "result": "\(result)", "milliseconds": "\(now - started)",
            ])
        let report = policy.outcome(
            of: result, event: event, webhook: webhook, attemptID: ids.make(), startedAt: started, now: now,
            jitter: Double.random(in: 0...1))
        metrics.webhookAttempted(report.attempt.outcome.rawValue)
        guard try await store.recordDelivery(report, owner: claimant, leaseUntil: now + policy.leaseMilliseconds)
        else {
            return nil
        }
        if report.attempt.outcome != .delivered {
            logger.info(
                "webhook delivery failed",
                metadata: [
                    "webhook": "\(webhook.id)", "seq": "\(event.sequence)", "attempt": "\(report.attempt.attempt)",
                    "outcome": "\(report.attempt.outcome.rawValue)", "error": "\(report.attempt.error ?? "")",
                ])
        }
        var next = webhook
        next.deliveredThrough = report.deliveredThrough
        next.attempts = report.attempts
        next.nextAttemptAtMilliseconds = report.nextAttemptAt
        if let failed = report.failedSeq { next.lastFailedSeq = failed }
        return next
    }

    func prune(now: Int64) async {
        do {
            while true {
                let removed = try await store.pruneDeliveryAttempts(
                    before: now - attemptRetentionMilliseconds, limit: Self.pruneBatch)
                if removed < Self.pruneBatch { break }
            }
        } catch {
            if !Task.isCancelled {
                logger.warning("pruning webhook attempts failed; will retry", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// How many subscriptions the deliverer is delivering to now.
final class InFlight: Sendable {
    let count = Mutex(0)
}
