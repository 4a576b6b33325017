import Foundation
import Synchronization
import Testing

@testable import TallyCore

/// `TallyClock`: wall time in milliseconds, and a manual clock whose advances wake sleepers at
/// once, each at most once, with no wall time involved.
@Suite(.timeLimit(.minutes(1))) struct TallyClockTests {
    static let start = TallyClock.Instant(millisecondsSince1970: 1_800_000_000_000)

    @Test func theSystemClockReadsWallTimeAsTimestampsAlwaysHave() {
        let before = Timestamp.milliseconds(Date())
        let now = TallyClock.system.now.millisecondsSince1970
        let after = Timestamp.milliseconds(Date())
        #expect(before <= now && now <= after)
        #expect(TallyClock.system.minimumResolution == .milliseconds(1))
    }

    @Test func instantsAreWholeMilliseconds() {
        #expect(Self.start.advanced(by: .microseconds(1_999)).millisecondsSince1970 == 1_800_000_000_001)
        #expect(Self.start.advanced(by: .seconds(-1)).millisecondsSince1970 == 1_799_999_999_000)
        #expect(Self.start.duration(to: Self.start.advanced(by: .seconds(90))) == .seconds(90))
        #expect(Self.start < Self.start.advanced(by: .milliseconds(1)))
    }

    @Test func anAdvanceWakesExactlyTheSleepersItReaches() async throws {
        let time = TallyClock.Manual(Self.start)
        let clock = time.clock
        try await withThrowingTaskGroup(of: Int.self) { group in
            for seconds in [10, 20] {
                group.addTask {
                    try await clock.sleep(for: .seconds(seconds))
                    return seconds
                }
            }
            try await time.waitForSleeper(until: Self.start.advanced(by: .seconds(20)))
            try await time.waitForSleeper(until: Self.start.advanced(by: .seconds(10)))
            #expect(time.sleeperCount == 2)
            time.advance(by: .milliseconds(9_999))
            #expect(time.sleeperCount == 2, "no deadline reached yet")
            time.advance(by: .milliseconds(1))
            #expect(time.sleeperCount == 1, "the 10 s sleeper woke on its deadline")
            #expect(try await group.next() == 10)
            time.advance(to: Self.start.advanced(by: .seconds(3_600)))
            #expect(try await group.next() == 20)
            #expect(time.now == Self.start.advanced(by: .seconds(3_600)))
        }
    }

    /// A job that sleeps for its interval in a loop runs one pass per advance, however far the
    /// advance goes, and `waitForSleeper` tells when that pass is over.
    @Test func aPeriodicJobRunsOncePerAdvance() async throws {
        let time = TallyClock.Manual(Self.start)
        let clock = time.clock
        let passes = Counter()
        let job = Task {
            while !Task.isCancelled {
                passes.add()
                try? await clock.sleep(for: .seconds(1))
            }
        }
        try await time.waitForSleeper(until: time.now.advanced(by: .seconds(1)))
        #expect(passes.value == 1)
        time.advance(by: .seconds(3_600))
        try await time.waitForSleeper(until: time.now.advanced(by: .seconds(1)))
        #expect(passes.value == 2)
        time.advance(by: .seconds(1))
        try await time.waitForSleeper(until: time.now.advanced(by: .seconds(1)))
        #expect(passes.value == 3)
        job.cancel()
        await job.value
        #expect(time.sleeperCount == 0, "a cancelled sleep leaves the clock")
    }

    @Test func cancellationEndsASleepAndAPastDeadlineDoesNotWait() async throws {
        let time = TallyClock.Manual(Self.start)
        let clock = time.clock
        let sleeper = Task { try await clock.sleep(until: Self.start.advanced(by: .seconds(1))) }
        try await time.waitForSleeper(until: Self.start.advanced(by: .seconds(1)))
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(time.sleeperCount == 0)
        try await clock.sleep(until: Self.start)
        try await clock.sleep(until: Self.start.advanced(by: .seconds(-1)))
        let cancelledFirst = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await clock.sleep(until: Self.start.advanced(by: .seconds(1)))
        }
        await #expect(throws: CancellationError.self) { try await cancelledFirst.value }
    }
}

/// A count shared with a task.
final class Counter: Sendable {
    private let count = Atomic<Int>(0)

    var value: Int { count.load(ordering: .relaxed) }

    func add() { count.add(1, ordering: .relaxed) }
}
