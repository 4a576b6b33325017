import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TallyCore
import TallyTestSupport
import Testing

/// The pruner as the application runs it, on a clock the test moves: keys remembered at t0,
/// t0 + 1 h, t0 + 24 h - 1 ms and t0 + 24 h, with the default retention of 24 hours, are
/// forgotten exactly once they are older than that, and not a millisecond before.
@Suite(.serviceScope) struct IdempotencyPrunerTests {
    static let t0 = TallyClock.Instant(millisecondsSince1970: 1_800_000_000_000)
    static let hour = Duration.seconds(3_600)
    /// How often the application's pruner runs.
    static let interval = Duration.seconds(60)
    static let replayedHeader = HTTPField.Name("Idempotency-Replayed")!

    // The limit turns a pruner that never sleeps again into a failure, not a hang.
    @Test(.timeLimit(.minutes(2)), arguments: Backend.all)
    func keysAreForgottenExactlyWhenOlderThanTheRetention(_ backend: Backend) async throws {
        let time = TallyClock.Manual(Self.t0)
        let h = try await HTTPHarness.make(backend, clock: time.clock)
        defer { h.cleanUp() }
        let made: [Duration] = [.zero, Self.hour, Self.hour * 24 - .milliseconds(1), Self.hour * 24]
        // Given one key remembered at each of those times (the pruner, running beside them, finds
        // none old enough).
        try await h.test { client in
            for (index, offset) in made.enumerated() {
                time.advance(to: Self.t0.advanced(by: offset))
                let first = try await Self.createMember(index, client, h)
                #expect(first.status == .created, "key \(index)")
                #expect(first.headers[Self.replayedHeader] == nil, "key \(index)")
            }
        }
        // When the application runs again from t0 + 24 h and the clock moves on, the pruner runs
        // once at each of these times; each cutoff is 24 h earlier.
        let steps: [(at: Duration, kept: [Bool])] = [
            (Self.hour * 24, [true, true, true, true]),  // cutoff t0: exactly 24 h old stays
            (Self.hour * 24 + Self.interval, [false, true, true, true]),
            (Self.hour * 25, [false, true, true, true]),  // cutoff t0 + 1 h
            (Self.hour * 25 + Self.interval, [false, false, true, true]),
            (Self.hour * 47, [false, false, true, true]),
            (Self.hour * 48, [false, false, false, true]),  // cutoff t0 + 24 h: 1 ms older goes
            (Self.hour * 48 + Self.interval, [false, false, false, false]),
        ]
        try await h.test { client in
            for step in steps {
                time.advance(to: Self.t0.advanced(by: step.at))
                // The pass at this time is over once the pruner sleeps until its next.
                try await time.waitForSleeper(until: time.now.advanced(by: Self.interval))
                // Then a retry replays while its key is remembered; once it is forgotten the
                // request runs again and fails (the username is taken), which stores nothing.
                for (index, kept) in step.kept.enumerated() {
                    let retry = try await Self.createMember(index, client, h)
                    let what = "key \(index) at t0 + \(step.at)"
                    if kept {
                        #expect(retry.status == .created, "\(what) must be remembered")
                        #expect(retry.headers[Self.replayedHeader] == "true", "\(what) must be remembered")
                    } else {
                        #expect(retry.status == .conflict, "\(what) must be forgotten")
                    }
                }
            }
        }
    }

    /// `POST members` for the username and Idempotency-Key of key `index`.
    static func createMember(_ index: Int, _ client: any TestClientProtocol, _ h: HTTPHarness) async throws
        -> TestResponse
    {
        try await client.executeRequest(
            uri: "/api/v1/realms/\(h.realm.id)/members", method: .post,
            headers: [
                .authorization: "Bearer \(h.key)", .contentType: "application/json",
                HTTPField.Name("Idempotency-Key")!: "made-\(index)",
            ],
            body: ByteBuffer(string: #"{"username":"made-\#(index)"}"#))
    }
}
