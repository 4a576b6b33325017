import Foundation
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

    @Test func generatorMakesUniqueTimeOrderedIds() {
        let time = TallyClock.Manual(TallyClock.Instant(millisecondsSince1970: 1_700_000_000_000))
        let ids = IDGenerator(clock: time.clock)
        let made: [MemberID] = (0..<10_000).map { _ in ids.make() }
        #expect(Set(made).count == made.count)
        #expect(made.allSatisfy { MemberID($0.rawValue) == $0 })
        // The first 4 bytes are the seconds.
        #expect(made[0].rawValue.prefix(8) == String(1_700_000_000, radix: 16))
    }

    @Test func timestampsAreISO8601WithMilliseconds() {
        #expect(Timestamp.iso8601(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.iso8601(milliseconds: 1_704_067_200_123) == "2024-01-01T00:00:00.123Z")
        #expect(Timestamp.iso8601(milliseconds: 951_825_600_000) == "2000-02-29T12:00:00.000Z")
        #expect(Timestamp.iso8601(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
    }
}
