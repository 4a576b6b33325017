import Foundation
import Testing

@testable import TallyCore

/// `JSONValue.text`, written by hand for speed (every write stores its event's data with it), says
/// byte for byte what `JSONEncoder` with sorted keys says.
@Suite struct JSONValueTextTests {
    static func foundation(_ value: JSONValue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static let strings = [
        "", "plain", "quote \" and \\ backslash", "new\nline\ttab\r", "\u{01}\u{08}\u{0C}\u{1F}\u{7F}", "ünïcødé 😀",
        "a/b </script>", "\u{2028}\u{2029}", "B", "a10", "a9", "_x", "é", "Z", "1", "10", "2", "aB", "ab",
    ]

    @Test func fixedValuesMatchTheEncoder() throws {
        let values: [JSONValue] = [
            .null, .bool(true), .bool(false), .integer(0), .integer(-1), .integer(Int64.max), .integer(Int64.min),
            .array([]), .object([:]),
            .object(Dictionary(uniqueKeysWithValues: Self.strings.enumerated().map { ($1, .integer(Int64($0))) })),
            .array(Self.strings.map(JSONValue.string)),
            [
                "changes": [["amount": -5, "dripId": "x"], ["amount": 7, "dripId": "y"]], "kind": "batch", "id": .null,
            ],
        ]
        for value in values { #expect(value.text == (try Self.foundation(value)), "\(value)") }
    }

    @Test func randomValuesMatchTheEncoder() throws {
        var rng = SystemRandomNumberGenerator()
        func random(_ depth: Int) -> JSONValue {
            switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &rng) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &rng))
            case 2: return .integer(Int64.random(in: Int64.min...Int64.max, using: &rng))
            case 3, 4:
                return .string(Self.strings.randomElement(using: &rng)! + Self.strings.randomElement(using: &rng)!)
            case 5: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in random(depth + 1) })
            default:
                var fields = [String: JSONValue]()
                for _ in 0..<Int.random(in: 0...5, using: &rng) {
                    fields[Self.strings.randomElement(using: &rng)!] = random(depth + 1)
                }
                return .object(fields)
            }
        }
        for _ in 0..<2_000 {
            let value = random(0)
            #expect(value.text == (try Self.foundation(value)), "\(value)")
        }
    }

    @Test func aDoubleIsLeftToTheEncoder() throws {
        let value: JSONValue = ["a": .double(1.5), "b": [.double(1e20), .double(0.1)]]
        #expect(value.text == (try Self.foundation(value)))
    }
}
