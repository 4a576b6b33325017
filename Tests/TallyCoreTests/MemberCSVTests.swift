import Testing

@testable import TallyCore

@Suite struct MemberCSVTests {
    func parse(_ text: String) throws -> [Credentials] { try MemberCSV.parse(Array(text.utf8)) }

    @Test func headerInAnyOrderQuotesCRLFAndBOM() throws {
        let rows = try parse(
            "\u{FEFF}discord-id,username,email\r\n123,\"Smith, \"\"Jo\"\"\",jo@example.com\r\n\r\n456,bob,\n")
        #expect(rows.count == 2)
        #expect(rows[0] == Credentials(username: "Smith, \"Jo\"", discordId: "123", email: "jo@example.com"))
        #expect(rows[1] == Credentials(username: "bob", discordId: "456"))
    }

    @Test func quotedNewlinesAreKeptButControlCharactersRejected() {
        #expect(throws: TallyError.self) { try parse("username\n\"a\nb\"\n") }
    }

    @Test(arguments: [
        "", "name\nx\n", "username,username\na,b\n", "username\n\"open\n", "username,email\nonly-one\n",
        "username\nab\"c\n",
    ])
    func rejected(text: String) {
        #expect(throws: TallyError.self) { try parse(text) }
    }

    @Test func errorsNameTheLine() {
        let error = #expect(throws: TallyError.self) { try parse("username,email\na,b\nc\n") }
        #expect(error?.message.contains("line 3") == true)
    }
}
