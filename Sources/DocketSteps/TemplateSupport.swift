import DocketCore
import DocketCouncil
import Foundation
import Mustache

/// What every Docket template shares: its parse errors in words, and the helpers it may call.
enum TemplateSupport {
    /// Parses `source` (from `name`, for messages), with `{{% CONTENT_TYPE: TEXT}}` unless HTML.
    static func parse(_ source: String, name: String, html: Bool) throws(TemplateParseError) -> MustacheTemplate {
        do {
            return try MustacheTemplate(string: (html ? "" : "{{% CONTENT_TYPE: TEXT}}") + source)
        } catch {
            throw TemplateParseError(name: name, error: error, pragmaAdded: !html)
        }
    }

    /// Renders `template` with `view` and the helpers a template calls as sections:
    /// `{{#wareki}}{{inputs.date}}{{/wareki}}` writes 2025-05-12 as 令和7年5月12日 (text that is not
    /// a date is left as it is). A Mustache lambda receives its section unrendered, so the helper
    /// renders it against the view first (names inside it are read from the top of the view).
    static func render(_ template: MustacheTemplate, _ view: [String: Any]) -> String {
        var full = view
        full["wareki"] = MustacheLambda { (text: String) -> Any? in
            let inner = (try? MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text))?.render(view) ?? text
            let trimmed = inner.trimmingCharacters(in: .whitespacesAndNewlines)
            if case .success(let iso) = CalendarDate.parse(trimmed), let era = JapaneseDate.era(iso) { return era }
            return inner
        }
        return template.render(full)
    }
}

/// A template that does not parse, with its place and the fix in words.
struct TemplateParseError: Error, CustomStringConvertible {
    var name: String
    var error: Error
    var pragmaAdded: Bool

    var description: String {
        guard let e = error as? MustacheTemplate.ParserError else { return "the template '\(name)' does not parse" }
        // The pragma Docket puts before a text template is on the first line.
        let column = e.context.lineNumber == 1 && pragmaAdded ? max(1, e.context.columnNumber - 24) : e.context.columnNumber
        let why: String
        switch e.error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect?: why = "a section is closed with a name other than the one it was opened with"
        case .unfinishedName?: why = "a tag is not finished: write {{name}}"
        case .expectedSectionEnd?: why = "a section is opened but never closed with {{/name}}"
        case .invalidSetDelimiter?: why = "a delimiter change is malformed: write {{=<% %>=}}"
        default: why = "the Mustache syntax is wrong here"
        }
        return "the template '\(name)' does not parse at line \(e.context.lineNumber), column \(column): \(why)"
    }
}
