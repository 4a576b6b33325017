import Foundation
import Synchronization

/// The clock of everything Tally stamps and schedules: wall time, in whole milliseconds since
/// 1970 (the stored form of every timestamp). It is a Swift `Clock`, so background jobs sleep on
/// it, and it is injected, so tests drive time exactly with `TallyClock.Manual`.
///
/// A concrete type rather than a generic parameter: reading `now` on the write path is one
/// branch and a read of the system time, with no allocation and no witness table.
public struct TallyClock: Clock {
    /// A moment of wall time, in whole milliseconds since 1970.
    public struct Instant: InstantProtocol {
        /// Milliseconds since 1970-01-01T00:00:00Z, the form Tally stores.
        public let millisecondsSince1970: Int64

        /// The instant `millisecondsSince1970` milliseconds after 1970 began.
        public init(millisecondsSince1970: Int64) { self.millisecondsSince1970 = millisecondsSince1970 }

        /// The instant `duration` later, in whole milliseconds (a fraction of one is dropped).
        public func advanced(by duration: Duration) -> Instant {
            Instant(millisecondsSince1970: millisecondsSince1970 + duration.wholeMilliseconds)
        }

        /// The time from this instant to `other`.
        public func duration(to other: Instant) -> Duration {
            .milliseconds(other.millisecondsSince1970 - millisecondsSince1970)
        }

        /// Earlier instants first.
        public static func < (lhs: Instant, rhs: Instant) -> Bool {
            lhs.millisecondsSince1970 < rhs.millisecondsSince1970
        }
    }

    private enum Source: Sendable {
        case system
        case manual(Manual)
    }

    private let source: Source

    /// Wall time, as the operating system tells it.
    public static let system = TallyClock(source: .system)

    /// The current instant. The system clock rounds down to the millisecond exactly as
    /// `Timestamp.milliseconds` always has, so stored values do not change.
    public var now: Instant {
        switch source {
        case .system: Instant(millisecondsSince1970: Timestamp.milliseconds(Date()))
        case .manual(let manual): manual.now
        }
    }

    /// One millisecond, the unit of `Instant`.
    public var minimumResolution: Duration { .milliseconds(1) }

    /// Suspends until `deadline`; throws `CancellationError` when the task is cancelled first.
    ///
    /// The system clock measures the wait on the monotonic clock, so a jump of the wall clock
    /// during the wait does not lengthen or shorten it.
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        switch source {
        case .system:
            let wait = now.duration(to: deadline)
            guard wait > .zero else { return try Task.checkCancellation() }
            try await ContinuousClock().sleep(for: wait, tolerance: tolerance)
        case .manual(let manual):
            try await manual.sleep(until: deadline)
        }
    }
}

extension TallyClock {
    /// A clock that moves only when a test moves it: `advance(by:)` sets the time and wakes,
    /// at once, every task whose deadline it reached. A woken background job then does its
    /// work and sleeps again, and `waitForSleeper(until:)` tells the test when it has, so a
    /// test waits for a job's pass instead of polling wall time.
    ///
    /// Each advance wakes a sleeper at most once, however far it goes: a job that sleeps for
    /// its interval runs one pass at the new time, as a server that was paused would.
    public final class Manual: Sendable {
        private struct Sleeper {
            let id: UInt64
            let deadline: Instant
            let continuation: CheckedContinuation<Void, any Error>
        }

        private struct Watcher {
            let id: UInt64
            let deadline: Instant
            let continuation: CheckedContinuation<Void, any Error>
        }

        private struct State {
            var now: Instant
            var sleepers: [Sleeper] = []
            var watchers: [Watcher] = []
            var lastID: UInt64 = 0
        }

        private let state: Mutex<State>

        /// A clock standing at `start`.
        public init(_ start: Instant) { state = Mutex(State(now: start)) }

        /// The `TallyClock` that reads this one; hand it to what the test drives.
        public var clock: TallyClock { TallyClock(source: .manual(self)) }

        /// The current instant.
        public var now: Instant { state.withLock { $0.now } }

        /// How many tasks sleep on this clock now.
        public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

        /// Moves the clock forward by `duration` and wakes every sleeper it reaches.
        public func advance(by duration: Duration) {
            precondition(duration >= .zero, "a clock does not go back")
            advance(to: now.advanced(by: duration))
        }

        /// Moves the clock forward to `instant` and wakes every sleeper it reaches, earliest
        /// deadline first.
        public func advance(to instant: Instant) {
            let due = state.withLock { state -> [Sleeper] in
                precondition(instant >= state.now, "a clock does not go back")
                state.now = instant
                let due = state.sleepers.filter { $0.deadline <= instant }
                state.sleepers.removeAll { $0.deadline <= instant }
                return due.sorted { $0.deadline < $1.deadline }
            }
            for sleeper in due { sleeper.continuation.resume() }
        }

        /// Returns once some task sleeps on this clock until `deadline` or later: after an
        /// advance to T, waiting for a sleeper until T plus a job's interval waits exactly for
        /// that job's pass at T to finish. Throws `CancellationError` if the test is cancelled.
        public func waitForSleeper(until deadline: Instant) async throws {
            let id = state.withLock { state in
                state.lastID += 1
                return state.lastID
            }
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let ready = state.withLock { state -> Result<Void, any Error>? in
                        if Task.isCancelled { return .failure(CancellationError()) }
                        if state.sleepers.contains(where: { $0.deadline >= deadline }) { return .success(()) }
                        state.watchers.append(Watcher(id: id, deadline: deadline, continuation: continuation))
                        return nil
                    }
                    if let ready { continuation.resume(with: ready) }
                }
            } onCancel: {
                let watcher = state.withLock { state -> Watcher? in
                    guard let index = state.watchers.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.watchers.remove(at: index)
                }
                watcher?.continuation.resume(throwing: CancellationError())
            }
        }

        /// Suspends the calling task until the clock reaches `deadline`.
        fileprivate func sleep(until deadline: Instant) async throws {
            let id = state.withLock { state in
                state.lastID += 1
                return state.lastID
            }
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    // Checked under the lock: cancellation sets the flag before its handler
                    // takes the lock, so a sleeper is either seen here or found by the handler.
                    let (ready, watchers) = state.withLock { state -> (Result<Void, any Error>?, [Watcher]) in
                        if Task.isCancelled { return (.failure(CancellationError()), []) }
                        if deadline <= state.now { return (.success(()), []) }
                        state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                        let satisfied = state.watchers.filter { $0.deadline <= deadline }
                        state.watchers.removeAll { $0.deadline <= deadline }
                        return (nil, satisfied)
                    }
                    if let ready { continuation.resume(with: ready) }
                    for watcher in watchers { watcher.continuation.resume() }
                }
            } onCancel: {
                let sleeper = state.withLock { state -> Sleeper? in
                    guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.sleepers.remove(at: index)
                }
                sleeper?.continuation.resume(throwing: CancellationError())
            }
        }
    }
}

extension Duration {
    /// The duration in whole milliseconds, a fraction of one dropped.
    var wholeMilliseconds: Int64 {
        components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000
    }
}

/// ISO-8601 UTC timestamps with milliseconds, as SPEC section 1 requires.
public enum Timestamp {
    /// Milliseconds since 1970, the stored form.
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// `2024-01-01T00:00:00.000Z` for the given milliseconds since 1970.
    public static func iso8601(milliseconds: Int64) -> String {
        let seconds = milliseconds.floorDivided(by: 1000)
        let millis = milliseconds - seconds * 1000
        let days = seconds.floorDivided(by: 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        return String(
            format: "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ",
            year, month, day, secondOfDay / 3600, (secondOfDay % 3600) / 60, secondOfDay % 60, millis)
    }

    /// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
    private static func civilDate(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
        let z = daysSinceEpoch + 719_468
        let era = z.floorDivided(by: 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}

extension Int64 {
    /// Division rounding toward negative infinity.
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
