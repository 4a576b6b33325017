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
        let seconds = UInt32(truncatingIfNeeded: clock.now.millisecondsSince1970.floorDivided(by: 1_000))
        let count = counter.withLock { value -> UInt32 in
            value = (value &+ 1) & 0xFF_FFFF
            return value
        }
        // The 24 hex digits written in place: no byte array and no second copy.
        let text = String(unsafeUninitializedCapacity: 24) { out in
            func put(_ byte: UInt8, at offset: Int) {
                out[offset] = Hex.digit(byte >> 4)
                out[offset + 1] = Hex.digit(byte & 0x0F)
            }
            put(UInt8(truncatingIfNeeded: seconds >> 24), at: 0)
            put(UInt8(truncatingIfNeeded: seconds >> 16), at: 2)
            put(UInt8(truncatingIfNeeded: seconds >> 8), at: 4)
            put(UInt8(truncatingIfNeeded: seconds), at: 6)
            for index in 0..<5 { put(processBytes[index], at: 8 + 2 * index) }
            put(UInt8(truncatingIfNeeded: count >> 16), at: 18)
            put(UInt8(truncatingIfNeeded: count >> 8), at: 20)
            put(UInt8(truncatingIfNeeded: count), at: 22)
            return 24
        }
        return TallyID(canonical: text)
    }
}

/// Lowercase hexadecimal text.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// The lowercase hex digit of `nibble` (0...15).
    @inline(__always)
    static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
    }

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
