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
    /// Most realms tracked at once; beyond it, idle realms are forgotten.
    static let realmsTrackedMax = 100_000

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
    public init(limit: Int, clock: TallyClock = .system) {
        precondition(limit > 0, "a rate limit must be positive")
        self.limit = limit
        self.clock = clock
    }

    /// Counts a request for `realm` if it fits, and says what to tell the client.
    public func hit(_ realm: RealmID) -> Decision {
        let now = Timestamp.milliseconds(clock.now())
        let windowMilliseconds = windowSeconds * 1000
        let start = now - now % windowMilliseconds
        return state.withLock { windows in
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
            if windows.count >= Self.realmsTrackedMax && windows[realm] == nil {
                windows = windows.filter { $0.value.start >= start - windowMilliseconds }
            }
            windows[realm] = window
            let used = Double(window.previous) * (1 - elapsed) + Double(window.current)
            let end = start + windowMilliseconds
            return Decision(
                allowed: allowed, remaining: max(0, limit - Int(used.rounded(.up))), resetAt: end / 1000,
                retryAfter: max(1, Int(((end - now) + 999) / 1000)))
        }
    }
}
