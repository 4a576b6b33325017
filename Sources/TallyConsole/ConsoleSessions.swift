import Synchronization
import TallyCore

/// The console's signed-in browsers, kept in this server's memory (docs/CONSOLE.md). A session
/// holds which key signed in, never its secret: every page checks that key again, as the API
/// does, so a revoked key or a removed scope ends the session's access at once.
///
/// A session ends on sign-out, after `idleMax` without a page, or `lifetimeMax` after sign-in.
/// At most `sessionsMax` are kept; past that the one used least recently is dropped. A server
/// restart signs everyone out. With several servers, sign-in is per server (a load balancer
/// with sticky sessions, or one console server).
public final class ConsoleSessions: Sendable {
    public struct Session: Sendable, Equatable {
        public let keyID: KeyID
        public let realmID: RealmID
        /// The token every form that changes something must carry (sign-out).
        public let csrfToken: String
        public let createdAtMilliseconds: Int64
        public var lastSeenMilliseconds: Int64
    }

    public static let idleMax: Int64 = 30 * 60 * 1_000
    public static let lifetimeMax: Int64 = 12 * 60 * 60 * 1_000
    public static let sessionsMax = 10_000

    private let sessions = Mutex<[String: Session]>([:])

    public init() {}

    /// Opens a session for `key` on `realm`; returns its id (the cookie's value) and the session.
    public func open(key: KeyID, realm: RealmID, now: Int64) -> (id: String, session: Session) {
        let id = Self.token()
        let session = Session(
            keyID: key, realmID: realm, csrfToken: Self.token(), createdAtMilliseconds: now, lastSeenMilliseconds: now)
        sessions.withLock { sessions in
            sessions = sessions.filter { Self.isLive($0.value, now: now) }
            if sessions.count >= Self.sessionsMax,
                let oldest = sessions.min(by: { $0.value.lastSeenMilliseconds < $1.value.lastSeenMilliseconds })
            {
                sessions[oldest.key] = nil
            }
            sessions[id] = session
        }
        return (id, session)
    }

    /// The live session `id` names, marked as seen now; nil when there is none or it expired.
    public func session(_ id: String, now: Int64) -> Session? {
        sessions.withLock { sessions in
            guard var session = sessions[id] else { return nil }
            guard Self.isLive(session, now: now) else {
                sessions[id] = nil
                return nil
            }
            session.lastSeenMilliseconds = now
            sessions[id] = session
            return session
        }
    }

    /// Ends session `id`.
    public func close(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// How many sessions are kept (live or not yet swept).
    public var count: Int { sessions.withLock { $0.count } }

    static func isLive(_ session: Session, now: Int64) -> Bool {
        now - session.lastSeenMilliseconds < idleMax && now - session.createdAtMilliseconds < lifetimeMax
    }

    /// 32 random bytes from the system's generator, as 64 hexadecimal digits.
    static func token() -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        text.reserveCapacity(64)
        for _ in 0..<4 {
            let word = generator.next() as UInt64
            let hex = String(word, radix: 16)
            text += String(repeating: "0", count: 16 - hex.count) + hex
        }
        return text
    }
}
