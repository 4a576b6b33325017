import Foundation
import TallyCore
import Testing

@testable import TallyPortability

/// Reading an export: the chunks a good file gives, and the line every bad one is refused at.
@Suite struct ImportReaderTests {
    static let realm = "aaaaaaaaaaaaaaaaaaaaaaaa"
    static let gold = "bbbbbbbbbbbbbbbbbbbbbbbb"
    static let ann = "cccccccccccccccccccccccc"
    static let bob = "cccccccccccccccccccccccd"

    static func header(journal: Bool = true, format: String = "1", version: String = "0.2.0") -> String {
        #"{"type":"tally-export","format":\#(format),"tallyVersion":"\#(version)","exportedAt":1,"realm":null,"journal":\#(journal),"keys":false}"#
    }
    static let realmLine =
        #"{"type":"realm","id":"\#(realm)","name":"R","description":"","subdomain":null,"createdAt":1,"updatedAt":1}"#
    static let currencyLine =
        #"{"type":"currency","id":"\#(gold)","realmId":"\#(realm)","name":"Gold","isDefault":true,"minimumBalance":0,"maximumBalance":100,"transferable":true,"createdAt":1,"updatedAt":1}"#
    static func member(_ id: String, _ name: String) -> String {
        #"{"type":"member","id":"\#(id)","realmId":"\#(realm)","username":"\#(name)","createdAt":1,"updatedAt":1}"#
    }
    static func entry(_ number: Int, _ member: String, before: Int64, amount: Int64, after: Int64? = nil) -> String {
        #"{"type":"entry","id":"dddddddddddddddddddddd\#(String(format: "%02x", number))","realmId":"\#(realm)","memberId":"\#(member)","currencyId":"\#(gold)","amount":\#(amount),"balanceBefore":\#(before),"balanceAfter":\#(after ?? before + amount),"batchId":"eeeeeeeeeeeeeeeeeeeeeeee","kind":"batch","createdAt":2}"#
    }
    static func balance(_ member: String, _ amount: Int64) -> String {
        #"{"type":"balance","realmId":"\#(realm)","memberId":"\#(member)","currencyId":"\#(gold)","balance":\#(amount),"updatedAt":2}"#
    }
    static func end(_ records: Int) -> String { #"{"type":"end","records":\#(records)}"# }

    /// A good file with a journal: ann gets 5 then 3, bob 4.
    static var goodLines: [String] {
        [
            header(), realmLine, currencyLine, member(ann, "ann"), member(bob, "bob"),
            entry(1, ann, before: 0, amount: 5), entry(2, bob, before: 0, amount: 4),
            entry(3, ann, before: 5, amount: 3),
            balance(ann, 8), balance(bob, 4), end(9),
        ]
    }

    /// Every chunk `text` gives, or the error it is refused with.
    static func read(_ text: String) throws -> [LoadChunk] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString).jsonl")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let reader = try ImportReader(
            handle, ids: IDGenerator(), now: 9_000, initiatorID: "tally import")
        var chunks = [LoadChunk]()
        while let chunk = try reader.next() { chunks.append(chunk) }
        return chunks
    }

    static func refusal(_ text: String) throws -> String {
        do {
            _ = try read(text)
        } catch let error as TallyError {
            return error.message
        }
        Issue.record("the file was accepted")
        return ""
    }

    @Test func aGoodFileGivesItsRecordsInChunksOfOneKind() throws {
        let chunks = try Self.read(Self.goodLines.joined(separator: "\n") + "\n")
        var summary = LoadSummary()
        for chunk in chunks { summary.count(chunk) }
        #expect(summary.realms == 1 && summary.currencies == 1 && summary.members == 2)
        #expect(summary.entries == 3 && summary.balances == 2)
        guard case .entries(let entries) = chunks[3] else {
            Issue.record("the fourth chunk is the entries: \(chunks[3])")
            return
        }
        #expect(entries.map(\.line) == [6, 7, 8])
        #expect(entries.map(\.value.balanceAfter) == [5, 4, 8])
    }

    @Test func aFileWithoutAJournalGetsOneOpeningEntryPerNonZeroBalance() throws {
        let lines = [
            Self.header(journal: false), Self.realmLine, Self.currencyLine, Self.member(Self.ann, "ann"),
            Self.member(Self.bob, "bob"), Self.balance(Self.ann, 8), Self.balance(Self.bob, 0), Self.end(6),
        ]
        let chunks = try Self.read(lines.joined(separator: "\n"))
        let openings = chunks.flatMap { chunk -> [JournalEntry] in
            if case .entries(let rows) = chunk { return rows.map(\.value) }
            return []
        }
        #expect(openings.count == 1)
        #expect(openings.first?.kind == .imported)
        #expect(openings.first?.memberID.rawValue == Self.ann)
        #expect(openings.first?.balanceBefore == 0 && openings.first?.balanceAfter == 8)
        #expect(openings.first?.initiatorID == "tally import")
        #expect(openings.first?.createdAtMilliseconds == 9_000)
        // The opening entries come before the balances they open.
        let kinds = chunks.map { chunk in
            switch chunk {
            case .entries: "entries"
            case .balances: "balances"
            default: "other"
            }
        }
        #expect(kinds.suffix(2) == ["entries", "balances"])
    }

    /// (what, the file, the start of the message).
    static let refusals: [(String, [String], String)] = {
        let good = goodLines
        var cases: [(String, [String], String)] = [
            ("an empty file", [], "The file is empty"),
            ("a header that is not one", ["hello"] + good.dropFirst(), "Line 1 is not a Tally export header"),
            ("format 0", [header(format: "0")] + good.dropFirst(), "Line 1: the export's format version is missing"),
            ("a newer format", [header(format: "2")] + good.dropFirst(), "Line 1: the export is in format 2"),
            (
                "a newer Tally", [header(version: "9.1.0")] + good.dropFirst(),
                "Line 1: the export was written by Tally 9.1.0"
            ),
            ("no trailer", Array(good.dropLast()), "The file ends after line 10 without its trailer"),
            ("a line of garbage", Array(good[0..<4]) + ["{not json"] + good[4...], "Line 5 is not a record"),
            ("an unknown type", Array(good[0..<4]) + [#"{"type":"planet"}"#] + good[4...], "Line 5 is not a record"),
            ("a blank line", Array(good[0..<4]) + [""] + good[4...], "Line 5 is empty"),
            ("a wrong count", Array(good.dropLast()) + [end(3)], "Line 11: the trailer counts 3 records"),
            ("a line after the trailer", good + [member(ann, "zed")], "Line 12 comes after the trailer"),
            (
                "a member after a balance", Array(good[0..<9]) + [member("cccccccccccccccccccccccf", "cy"), end(9)],
                "Line 10: a member out of order"
            ),
            (
                "a broken chain",
                good.replacing([entry(3, ann, before: 5, amount: 3)], with: [entry(3, ann, before: 4, amount: 4)]),
                "Line 8: journal entry"
            ),
            (
                "bad arithmetic",
                good.replacing(
                    [entry(3, ann, before: 5, amount: 3)], with: [entry(3, ann, before: 5, amount: 3, after: 9)]),
                "Line 8: journal entry"
            ),
            (
                "a balance its journal does not reach", good.replacing([balance(ann, 8)], with: [balance(ann, 9)]),
                "Line 9: the balance of member"
            ),
            (
                "a balance above the ceiling", [header(journal: false)] + good[1..<5] + [balance(ann, 101), end(5)],
                "Line 6: the balance of member"
            ),
            ("a journal without its balance", Array(good[0..<9]) + [end(8)], "Line 10: realm"),
            (
                "an entry in a file without a journal", [header(journal: false)] + good.dropFirst(),
                "Line 6: a journal entry in an export whose header"
            ),
            ("a bad id", good.replacing([member(bob, "bob")], with: [member("xyz", "bob")]), "Line 5: member id 'xyz'"),
        ]
        cases.append(("a line cut short", Array(good.dropLast()) + [String(end(9).dropLast(3))], "Line 11"))
        return cases
    }()

    @Test(arguments: refusals.indices) func aBadFileIsRefusedNamingItsLine(_ index: Int) throws {
        let (what, lines, start) = Self.refusals[index]
        let ending = lines.isEmpty || what == "a line cut short" ? "" : "\n"
        let message = try Self.refusal(lines.joined(separator: "\n") + ending)
        #expect(message.hasPrefix(start), "\(what): \(message)")
    }

    @Test func aLineLongerThanTheLimitIsRefused() throws {
        let long = String(repeating: " ", count: ExportFormat.lineBytesMax + 10)
        let message = try Self.refusal([Self.header(), Self.realmLine, long].joined(separator: "\n"))
        #expect(message.hasPrefix("Line 3 is longer than"), "\(message)")
    }
}

extension Array where Element == String {
    fileprivate func replacing(_ old: [String], with new: [String]) -> [String] {
        var copy = self
        for (a, b) in zip(old, new) { copy = copy.map { $0 == a ? b : $0 } }
        return copy
    }
}
