import Foundation

/// A test hook that widens the window in which a crash lands inside the balance file's
/// transaction (docs/decisions/0009). While it is set, the follower runs for every committed
/// entry, spills its uncommitted pages into the balance file's log (a tiny page cache),
/// checkpoints that log every few pages, and holds each transaction open for `hold` after
/// writing, with a file at `marker` present for exactly that time. A test kills the server when
/// the marker appears and checks that nothing was lost or doubled.
///
/// `tally serve` takes it from `TALLY_TEST_FOLLOWER_HOLD=PATH:MILLISECONDS` and logs a warning:
/// it is never for production.
public struct FollowerCrashWindow: Sendable, Equatable {
    public let marker: String
    public let hold: Duration

    /// The balance file's log is checkpointed after this many pages.
    static let checkpointPages = 8
    /// The balance file's page cache, in pages: small, so a transaction writes its pages to the
    /// log before it commits.
    static let cachePages = 8

    public init(marker: String, hold: Duration) {
        self.marker = marker
        self.hold = hold
    }

    /// The window `TALLY_TEST_FOLLOWER_HOLD=PATH:MILLISECONDS` names, nil when it is unset or
    /// malformed.
    public static func fromEnvironment(_ environment: [String: String]) -> FollowerCrashWindow? {
        guard let value = environment["TALLY_TEST_FOLLOWER_HOLD"],
            let colon = value.lastIndex(of: ":"),
            let milliseconds = Int(value[value.index(after: colon)...]), milliseconds > 0, milliseconds <= 10_000
        else { return nil }
        let path = String(value[..<colon])
        guard !path.isEmpty else { return nil }
        return FollowerCrashWindow(marker: path, hold: .milliseconds(milliseconds))
    }

    /// Inside the follower's transaction, after its writes: marks, holds, unmarks.
    func holdOpen() {
        _ = FileManager.default.createFile(atPath: marker, contents: nil)
        let (seconds, attoseconds) = hold.components
        usleep(UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
        try? FileManager.default.removeItem(atPath: marker)
    }
}
