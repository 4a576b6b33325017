import Foundation
import Synchronization
import Testing

@testable import TallyCore

@Suite struct IdentifierTests {
    @Test(arguments: [
        ("507f1f77bcf86cd799439011", true), ("507F1F77BCF86CD799439011", true), ("507f1f77bcf86cd79943901", false),
        ("507f1f77bcf86cd7994390111", false), ("507f1f77bcf86cd79943901g", false), ("", false),
        ("507f1f77bcf86cd79943901 ", false), ("५०७f1f77bcf86cd799439011", false),
    ])
    func parsing(text: String, valid: Bool) {
        let id = RealmID(text)
        #expect((id != nil) == valid)
        if let id { #expect(id.rawValue == text.lowercased()) }
    }

    @Test func idsCompareCaseInsensitively() {
        #expect(MemberID("ABCDEF0123456789abcdef01") == MemberID("abcdef0123456789ABCDEF01"))
    }

    /// Ids made in a later second sort after every id made before it, whatever the counter did,
    /// and begin with that second. The seconds run 0x6553f0fe, 0x6553f0ff, 0x6553f100, 0x6553f101
    /// (1,700,000,000 is the third), so they carry into a higher byte on the way.
    @Test func generatorMakesUniqueTimeOrderedIds() {
        let start: UInt32 = 1_699_999_998
        let time = TallyClock.Manual(TallyClock.Instant(millisecondsSince1970: Int64(start) * 1_000))
        let ids = IDGenerator(clock: time.clock)
        var made = [[MemberID]]()
        for second in 0..<4 {
            if second > 0 { time.advance(by: .seconds(1)) }
            made.append((0..<5_000).map { _ in ids.make() })
        }
        let all = made.flatMap { $0 }
        #expect(Set(all).count == all.count)
        #expect(all.allSatisfy { MemberID($0.rawValue) == $0 })
        for (second, batch) in made.enumerated() {
            let expected = String(start + UInt32(second), radix: 16)
            // The first 4 bytes are the seconds.
            #expect(batch.allSatisfy { $0.rawValue.prefix(8) == expected }, "second \(second)")
            guard second > 0 else { continue }
            // Within a second the order is the counter's, which may wrap; across seconds it is time's.
            #expect(made[second - 1].max()! < batch.min()!, "ids of second \(second) sort after the ones before")
        }
        // A fraction of a second does not round up.
        time.advance(by: .milliseconds(999))
        let last: MemberID = ids.make()
        #expect(last.rawValue.prefix(8) == String(start + 3, radix: 16))
    }

    @Test func timestampsAreISO8601WithMilliseconds() {
        #expect(Timestamp.iso8601(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.iso8601(milliseconds: 1_704_067_200_123) == "2024-01-01T00:00:00.123Z")
        #expect(Timestamp.iso8601(milliseconds: 951_825_600_000) == "2000-02-29T12:00:00.000Z")
        #expect(Timestamp.iso8601(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
    }
}
