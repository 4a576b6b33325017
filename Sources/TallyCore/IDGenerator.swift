import Foundation
import Synchronization

/// Makes ObjectId-compatible ids: 4 bytes of seconds, 5 random bytes fixed per generator, and a
/// 3-byte counter, so ids made by one process never repeat and sort roughly by creation time.
///
/// Time and randomness are injected so that tests are deterministic.
public final class IDGenerator: Sendable {
    private let processBytes: [UInt8]
    private let counter: Mutex<UInt32>
    private let clock: TallyClock

    /// A generator with its own random process bytes and counter start.
    public init(clock: TallyClock = .system, random: some RandomNumberGenerator = SystemRandomNumberGenerator()) {
        var rng = random
        self.processBytes = (0..<5).map { _ in UInt8.random(in: 0...255, using: &rng) }
        self.counter = Mutex(UInt32.random(in: 0...0xFF_FFFF, using: &rng))
        self.clock = clock
    }

    /// A fresh id of any kind.
    public func make<Kind>(_: Kind.Type = Kind.self) -> TallyID<Kind> {
        let seconds = UInt32(truncatingIfNeeded: Int64(clock.now().timeIntervalSince1970))
        let count = counter.withLock { value -> UInt32 in
            value = (value &+ 1) & 0xFF_FFFF
            return value
        }
        var bytes = [UInt8](repeating: 0, count: 12)
        bytes[0] = UInt8(truncatingIfNeeded: seconds >> 24)
        bytes[1] = UInt8(truncatingIfNeeded: seconds >> 16)
        bytes[2] = UInt8(truncatingIfNeeded: seconds >> 8)
        bytes[3] = UInt8(truncatingIfNeeded: seconds)
        for index in 0..<5 { bytes[4 + index] = processBytes[index] }
        bytes[9] = UInt8(truncatingIfNeeded: count >> 16)
        bytes[10] = UInt8(truncatingIfNeeded: count >> 8)
        bytes[11] = UInt8(truncatingIfNeeded: count)
        return TallyID(canonical: Hex.encode(bytes))
    }
}

/// Lowercase hexadecimal text.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// `bytes` as lowercase hex.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
