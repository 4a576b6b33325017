import Foundation
import Synchronization
import TallyCore

/// Per-realm request limits in DRIP's style: a sliding window of one minute, approximated by
/// weighting the previous fixed window (the standard "sliding window counter"), so memory is
/// two counters per realm rather than a timestamp per request.
public final class RateLimiter: Sendable {
    /// Requests allowed per realm per window.
    public let limit: Int
    /// The window, in seconds.
    public let windowSeconds: Int64 = 60
    /// Most realms tracked at once. Past it, realms idle for two windows are forgotten; if every
    /// tracked realm is still active, a realm not yet tracked is refused (429) rather than let the
    /// table grow or forget a realm's count.
    public let realmsTrackedMax: Int
    /// The default bound: far more realms than one server holds active in two minutes.
    public static let realmsTrackedMaxDefault = 100_000

    private let clock: TallyClock
    private let state = Mutex([RealmID: Window]())

    struct Window {
        var start: Int64
        var current: Int
        var previous: Int
    }

    /// What one request is told.
    public struct Decision: Sendable, Equatable {
        /// Whether the request may proceed.
        public let allowed: Bool
        /// Requests left in the window after this one.
        public let remaining: Int
        /// Unix seconds when the current fixed window ends.
        public let resetAt: Int64
        /// Seconds to wait before retrying, when refused.
        public let retryAfter: Int
    }

    /// A limiter allowing `limit` requests per realm per minute.
    public init(limit: Int, realmsTrackedMax: Int = RateLimiter.realmsTrackedMaxDefault, clock: TallyClock = .system) {
        precondition(limit > 0, "a rate limit must be positive")
        precondition(realmsTrackedMax > 0, "the realm table must hold at least one realm")
        self.limit = limit
        self.realmsTrackedMax = realmsTrackedMax
        self.clock = clock
    }

    /// How many realms the table holds now (never more than `realmsTrackedMax`).
    public var trackedRealmCount: Int { state.withLock { $0.count } }

    /// Counts a request for `realm` if it fits, and says what to tell the client.
    public func hit(_ realm: RealmID) -> Decision {
        let now = clock.now.millisecondsSince1970
        let windowMilliseconds = windowSeconds * 1000
        let start = now - now % windowMilliseconds
        let end = start + windowMilliseconds
        let retryAfter = max(1, Int(((end - now) + 999) / 1000))
        return state.withLock { windows in
            if windows[realm] == nil && windows.count >= realmsTrackedMax {
                windows = windows.filter { $0.value.start >= start - windowMilliseconds }
                guard windows.count < realmsTrackedMax else {
                    return Decision(allowed: false, remaining: 0, resetAt: end / 1000, retryAfter: retryAfter)
                }
            }
            var window = windows[realm] ?? Window(start: start, current: 0, previous: 0)
            if window.start != start {
                window.previous = window.start == start - windowMilliseconds ? window.current : 0
                window.current = 0
                window.start = start
            }
            let elapsed = Double(now - start) / Double(windowMilliseconds)
            let estimate = Double(window.previous) * (1 - elapsed) + Double(window.current)
            let allowed = estimate + 1 <= Double(limit)
            if allowed { window.current += 1 }
            windows[realm] = window
            let used = Double(window.previous) * (1 - elapsed) + Double(window.current)
            return Decision(
                allowed: allowed, remaining: max(0, limit - Int(used.rounded(.up))), resetAt: end / 1000,
                retryAfter: retryAfter)
        }
    }
}
