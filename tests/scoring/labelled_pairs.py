"""A small labelled set for choosing and checking the synthesis metrics' similarity measure.

Three kinds of sentence pairs, written for this project:
- PARAPHRASE: the same claim in other words (a synthesis that keeps a voice says this);
- OTHER_VIEW: the same topic, argued from another tradition (what a synthesis that drops a voice
  still holds of it, through its neighbours);
- UNRELATED: different topics.
"""

PARAPHRASE = [
    (
        "Filial piety asks children to honour and care for their parents in old age.",
        "Children should respect their parents and look after them when they grow old.",
    ),
    (
        "A person becomes a person only through their relationships with other people.",
        "We become fully human through the community and the people around us.",
    ),
    (
        "Decisions should be weighed by their effects on the next seven generations.",
        "Before choosing, consider how the choice will touch descendants far into the future.",
    ),
    (
        "Craving is the root of suffering, and letting go of it brings peace.",
        "Suffering grows from attachment; release the attachment and calm follows.",
    ),
    (
        "Each person has a duty that fits their station and stage of life.",
        "Everyone carries obligations suited to their role and their time of life.",
    ),
    (
        "Charity to the poor purifies wealth and binds the community together.",
        "Giving to those in need cleanses one's property and strengthens social bonds.",
    ),
    (
        "Moral rules hold whatever their consequences, because they follow from reason itself.",
        "Duties bind us regardless of outcomes, since reason alone grounds them.",
    ),
    (
        "The land is not owned; people belong to it and must care for it.",
        "Humans do not possess the earth; they are its kin and its caretakers.",
    ),
    (
        "A good ruler governs by moral example rather than by punishment.",
        "Leaders should rule through virtue and example, not through fear of penalties.",
    ),
    (
        "Elders keep the memory of the community and guide the young.",
        "The old preserve the group's history and show the way to the young.",
    ),
    (
        "Technology should serve human dignity, not replace human judgement.",
        "Machines ought to support people's worth rather than take over their decisions.",
    ),
    (
        "Fasting trains the will and reminds the rich of the hunger of the poor.",
        "Going without food strengthens self-control and makes the wealthy feel what the poor feel.",
    ),
    (
        "Hospitality to strangers is a sacred duty owed to every guest.",
        "Welcoming travellers is a holy obligation toward anyone who arrives at the door.",
    ),
    (
        "Anger clouds the mind and leads to actions one later regrets.",
        "When rage takes hold, thinking blurs and we do things we are sorry for.",
    ),
    (
        "Marriage joins two families, not only two people.",
        "A wedding unites two households and their kin, not just the couple.",
    ),
    (
        "Wealth is held in trust and must be used for the common good.",
        "Riches are a stewardship, to be spent for the benefit of everyone.",
    ),
    (
        "Silence and stillness open the way to insight.",
        "Quiet and calm make room for understanding to arise.",
    ),
    (
        "History is told differently by the conquered and by the conquerors.",
        "The defeated and the victors remember the past in opposite ways.",
    ),
    (
        "Festivals renew the bonds between the living and their ancestors.",
        "Celebrations refresh the ties that link people today with those who came before.",
    ),
    (
        "Lying is wrong even when it would spare someone pain.",
        "Telling a falsehood is not right, even to keep another from hurt.",
    ),
]

OTHER_VIEW = [
    (
        "Filial piety asks children to honour and care for their parents in old age.",
        "Individuals owe their parents gratitude, but each adult is free to choose their own path.",
    ),
    (
        "A person becomes a person only through their relationships with other people.",
        "Every individual has rights that no community may override.",
    ),
    (
        "Decisions should be weighed by their effects on the next seven generations.",
        "A policy is good when it yields the greatest happiness for those affected now.",
    ),
    (
        "Craving is the root of suffering, and letting go of it brings peace.",
        "Desire drives progress, and satisfying it is what markets are for.",
    ),
    (
        "Each person has a duty that fits their station and stage of life.",
        "All people have the same rights, whatever their birth or position.",
    ),
    (
        "Charity to the poor purifies wealth and binds the community together.",
        "Help for the poor is the state's task, funded by taxes set by law.",
    ),
    (
        "Moral rules hold whatever their consequences, because they follow from reason itself.",
        "Right action flows from a heart shaped by ritual and by the example of the wise.",
    ),
    (
        "The land is not owned; people belong to it and must care for it.",
        "Property rights in land give owners the incentive to improve it.",
    ),
    (
        "A good ruler governs by moral example rather than by punishment.",
        "Government must be limited by a written constitution and the consent of the governed.",
    ),
    (
        "Elders keep the memory of the community and guide the young.",
        "Each generation should question inherited authority and think for itself.",
    ),
    (
        "Technology should serve human dignity, not replace human judgement.",
        "Every new tool is a test of whether we remain mindful and free of attachment.",
    ),
    (
        "Fasting trains the will and reminds the rich of the hunger of the poor.",
        "Eating well and in moderation is part of a healthy, balanced life.",
    ),
    (
        "Hospitality to strangers is a sacred duty owed to every guest.",
        "Borders exist so that each nation may decide whom it admits.",
    ),
    (
        "Anger clouds the mind and leads to actions one later regrets.",
        "Righteous anger at injustice can move people to change the world.",
    ),
    (
        "Marriage joins two families, not only two people.",
        "Marriage is a contract between two free adults who choose each other.",
    ),
    (
        "Wealth is held in trust and must be used for the common good.",
        "What a person earns is theirs, and they may spend it as they wish.",
    ),
    (
        "Silence and stillness open the way to insight.",
        "Knowledge is gained by experiment, measurement and open debate.",
    ),
    (
        "History is told differently by the conquered and by the conquerors.",
        "The past is recovered by weighing documents and archaeological evidence.",
    ),
    (
        "Festivals renew the bonds between the living and their ancestors.",
        "Holidays are a chance for workers to rest and for shops to sell more.",
    ),
    (
        "Lying is wrong even when it would spare someone pain.",
        "A kind untruth can be right when the truth would only wound.",
    ),
]

UNRELATED = [
    (
        "Filial piety asks children to honour and care for their parents in old age.",
        "The train to the coast leaves every hour from the central station.",
    ),
    (
        "A person becomes a person only through their relationships with other people.",
        "Copper conducts electricity better than most other common metals.",
    ),
    (
        "Decisions should be weighed by their effects on the next seven generations.",
        "The recipe calls for two eggs, flour and a pinch of salt.",
    ),
    (
        "Craving is the root of suffering, and letting go of it brings peace.",
        "The striker scored twice in the second half of the match.",
    ),
    (
        "Each person has a duty that fits their station and stage of life.",
        "Volcanic soil is rich in minerals that help vines grow.",
    ),
    (
        "Charity to the poor purifies wealth and binds the community together.",
        "The telescope's mirror was polished to a fraction of a wavelength.",
    ),
    (
        "Moral rules hold whatever their consequences, because they follow from reason itself.",
        "Paint the fence before the rain starts on Thursday.",
    ),
    (
        "The land is not owned; people belong to it and must care for it.",
        "The compiler reports an error when a variable is used before it is declared.",
    ),
    (
        "A good ruler governs by moral example rather than by punishment.",
        "The bakery on the corner sells fresh bread every morning.",
    ),
    (
        "Elders keep the memory of the community and guide the young.",
        "Interest rates rose by a quarter point last month.",
    ),
    (
        "Technology should serve human dignity, not replace human judgement.",
        "The river freezes over in January most winters.",
    ),
    (
        "Fasting trains the will and reminds the rich of the hunger of the poor.",
        "The new phone has a larger battery and a brighter screen.",
    ),
    (
        "Hospitality to strangers is a sacred duty owed to every guest.",
        "The printer jams whenever the paper tray is overfilled.",
    ),
    (
        "Anger clouds the mind and leads to actions one later regrets.",
        "Tomatoes ripen faster when stored next to bananas.",
    ),
    (
        "Marriage joins two families, not only two people.",
        "The satellite completes one orbit every ninety minutes.",
    ),
    (
        "Wealth is held in trust and must be used for the common good.",
        "Sand dunes shift a few metres each year with the wind.",
    ),
    (
        "Silence and stillness open the way to insight.",
        "The invoice is due at the end of the month.",
    ),
    (
        "History is told differently by the conquered and by the conquerors.",
        "Cats sleep for most of the day and hunt at dusk.",
    ),
    (
        "Festivals renew the bonds between the living and their ancestors.",
        "Turn left at the second traffic light after the bridge.",
    ),
    (
        "Lying is wrong even when it would spare someone pain.",
        "The battery charges fully in about two hours.",
    ),
]
