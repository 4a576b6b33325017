import Synchronization
import TallyCore
import Testing

/// `withDeadline`: what a readiness check uses so that a hung database cannot hang `/readyz`.
struct DeadlineTests {
    @Test func anAnswerInTimeIsReturned() async throws {
        #expect(try await withDeadline(.seconds(5), subject: "The database") { 42 } == 42)
        await #expect(throws: TallyError.validation("no")) {
            try await withDeadline(.seconds(5), subject: "The database") { () async throws -> Int in
                throw TallyError.validation("no")
            }
        }
    }

    /// An operation that never answers, and ignores cancellation, is given up at the deadline:
    /// the caller does not wait for it.
    @Test func aHungOperationIsGivenUpAtTheDeadline() async throws {
        let release = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let started = ContinuousClock.now
        do {
            _ = try await withDeadline(.milliseconds(200), subject: "PostgreSQL") { () async throws -> Int in
                await withCheckedContinuation { continuation in release.withLock { $0 = continuation } }
                return 1
            }
            Issue.record("a hung operation returned")
        } catch let error as TallyError {
            #expect(error == TallyError(.unavailable, "PostgreSQL did not answer within 200 ms."))
        }
        // The operation never returns until released below, so returning at all shows it was
        // given up; the upper bound is loose because the whole suite shares two cores.
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(200) && waited < .seconds(60), "gave up after \(waited)")
        // Let the hung operation finish, so the test leaves no task suspended forever.
        while release.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(5)) }
        release.withLock { $0 }?.resume()
    }
}
