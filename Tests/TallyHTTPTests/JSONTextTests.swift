import Foundation
import TallyCore
import TallyRepresentations
import Testing

/// The hand-written member lines of `tally member import` say exactly what JSONEncoder says.
@Suite struct JSONTextTests {
    @Test(arguments: [
        "plain", "quote \" and \\ backslash", "new\nline\ttab\r", "\u{01}\u{08}\u{0C}\u{1F}", "ünïcødé 😀", "a/b", "",
    ])
    func memberLinesMatchTheGeneralEncoder(text: String) throws {
        let member = Member(
            id: MemberID("507f1f77bcf86cd799439013")!, realmID: RealmID("507f1f77bcf86cd799439011")!,
            credentials: Credentials(
                username: text, discordId: "123", wallet: "0xabc", email: text.isEmpty ? nil : text,
                walletChain: text.isEmpty ? nil : text, walletName: "metamask"),
            createdAtMilliseconds: 1_700_000_000_123)
        var line = [UInt8]()
        Representation.MemberBody(member).appendJSONLine(to: &line)
        #expect(line.last == UInt8(ascii: "\n"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected =
            try JSONSerialization.jsonObject(with: encoder.encode(Representation.MemberBody(member))) as? NSDictionary
        let actual = try JSONSerialization.jsonObject(with: Data(line.dropLast())) as? NSDictionary
        #expect(actual == expected)
        #expect(actual?["username"] as? String == text)
    }
}
