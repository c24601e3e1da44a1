import DocketCore

/// The step types that ship with Docket, for the command-line tool to register.
public enum BuiltinSteps {
    public static let all: [any Step] = [
        RenderStep(), InputStep(), CollectFilesStep(), DraftConsultationStep(), CommitteeReviewStep(), VoteStep(), IssueAnswerStep(), ReportStep(),
    ]

    /// A registry holding the built-ins; `agenda` lets the vote step send a tally for a case on
    /// an open meeting's agenda to that meeting.
    public static func registry(agenda: (any AgendaLookup)? = nil) -> StepRegistry {
        var registry = StepRegistry()
        // The built-ins have distinct names: a clash here is a programming error.
        for step in all { try! registry.register(step is VoteStep ? VoteStep(agenda: agenda) : step) }
        return registry
    }
}
