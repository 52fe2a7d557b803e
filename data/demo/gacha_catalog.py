"""The gacha demo's fixed catalogue: real series and characters, and the game's tables.

The first thirty series and their three most popular characters are real (taken from the
Geminya sample export, MyAnimeList ids and images); the rest of the catalogue is generated
from the name tables below. Everything here is plain data.
"""

from __future__ import annotations

from typing import Any

MAL_ANIME = "https://cdn.myanimelist.net/images/anime/"
MAL_CHARACTERS = "https://cdn.myanimelist.net/images/characters/"

# (series_id, name, english_name, studio, genres, favorites, members, score, image, synopsis)
REAL_SERIES: tuple[tuple[Any, ...], ...] = (
    (1, "5-toubun no Hanayome", "The Quintessential Quintuplets", "Tezuka Productions", "Comedy|Harem|Romance|School", 14422, 1029700, 7.63, "1819/97947l.jpg", "Fuutarou Uesugi is an ace high school student, but leads an otherwise tough life."),
    (2, "Acchi Kocchi", "Place to Place", "AIC", "Comedy|Gag Humor|Romance|School", 2782, 334625, 7.47, "5/46489l.jpg", "Feelings may come and go, but true love always remains in the heart."),
    (3, "Aharen-san wa Hakarenai", "Aharen-san wa Hakarenai", "Felix Film", "Comedy|Love Status Quo|Romance|School", 2350, 378099, 7.28, "1612/120636l.jpg", "Beginning his first year of high school, all Raidou wants is to make friends, starting with the tiny, soft-spoken Reina Aharen."),
    (4, "Akuyaku Reijou Level 99: Watashi wa Ura-Boss desu ga Maou dewa Arimasen", "Villainess Level 99: I May Be the Hidden Boss but I'm Not the Demon Lord", "Jumondou", "Fantasy|Isekai|School|Villainess", 895, 189603, 7.13, "1150/140028l.jpg", "The beginning of Light Magic and the Hero, an otome RPG, unfolds fairly normally."),
    (5, "Angel Beats!", "Angel Beats!", "P.A. Works", "Comedy|Drama|Fantasy|School", 49741, 2158996, 8.05, "1244/111115l.jpg", "Death is one of many mysteries that has left humanity in the dark since the dawn of time."),
    (6, "Anima Yell!", None, "Doga Kobo", "CGDCT|Comedy|Performing Arts|School|Sports", 95, 45982, 6.87, "1051/93862l.jpg", "Kohane Hatoya's most lovable trait is also her greatest flaw."),
    (7, "Anne Happy♪", "Anne-Happy", "SILVER LINK.", "CGDCT|School|Slice of Life", 267, 82812, 6.94, "9/78701l.jpg", "Tennomifune Academy is an elite institution for the best and the brightest, except for Class 1-7."),
    (8, "Ano Hi Mita Hana no Namae wo Bokutachi wa Mada Shiranai.", "Anohana: The Flower We Saw That Day", "A-1 Pictures", "Drama|Supernatural", 32938, 1675237, 8.29, "5/79697l.jpg", "Jinta Yadomi is peacefully living as a recluse, spending his days playing video games at home."),
    (9, "Azur Lane: Bisoku Zenshin!", "Azur Lane: Slow Ahead!", "Studio CANDY BOX", "Anthropomorphic|CGDCT|Comedy|Military|Sci-Fi", 258, 55130, 7.0, "1137/113872l.jpg", "In a seemingly peaceful time, shipgirls from different nations live together in harmony."),
    (10, "Bad Girl", "Bad Girl", "Bridge", "CGDCT|Comedy|School", 53, 23838, 6.77, "1672/148848l.jpg", "High school first year Yuu Yuutani has always been a good girl, following the rules."),
    (11, "Monogatari Series", "Bakemonogatari", "Shaft", "Comedy|Ecchi|Mystery|Romance|Supernatural|Vampire", 50492, 1461046, 8.32, "11/75274l.jpg", "Koyomi Araragi, a third-year high school student, manages to survive a vampire attack."),
    (12, "Bocchi the Rock!", "Bocchi the Rock!", "CloverWorks", "CGDCT|Comedy|Music", 34163, 721513, 8.75, "1448/127956l.jpg", "Yearning to make friends and perform live with a band, lonely Hitori Gotou devotes her time to the guitar."),
    (13, "Bokutachi wa Benkyou ga Dekinai", "We Never Learn: BOKUBEN", "Silver|Arvo Animation", "Comedy|Harem|Romance|School", 1670, 467864, 7.26, "1602/100510l.jpg", "Nariyuki Yuiga, an impoverished third-year student, works tirelessly for the VIP nomination."),
    (14, "Cardcaptor Sakura", "Cardcaptor Sakura", "Madhouse", "Adventure|Comedy|Drama|Mahou Shoujo|Romance|School", 14375, 474025, 8.18, "8/60781l.jpg", "Ten-year-old Sakura Kinomoto stumbles upon a mysterious book of cards titled The Clow."),
    (15, "Charlotte", "Charlotte", "P.A. Works", "Drama|School|Super Power", 24531, 1714353, 7.75, "1826/147276l.jpg", "If not for his ability to take over people's minds, Yuu Otosaka would be an ordinary student."),
    (16, "Choujigen Game Neptune The Animation", "Hyperdimension Neptunia", "David Production", "Action|Comedy|Fantasy|Parody|Sci-Fi", 1201, 157273, 6.89, "6/52141l.jpg", "After years of fruitless war between the four realms of Gamindustri, peace is declared."),
    (17, "Chuunibyou demo Koi ga Shitai!", "Love, Chunibyo & Other Delusions!", "Kyoto Animation", "Comedy|Drama|Romance|School", 18601, 1427630, 7.7, "1905/142840l.jpg", "Everybody has had that stage in their life where they have thought themselves to be special."),
    (18, "City The Animation", None, "Kyoto Animation", "Comedy|Gag Humor", 223, 56271, 7.9, "1981/149640l.jpg", "This town is not just a normal town."),
    (19, "Clannad", "Clannad", "Kyoto Animation", "Drama|Romance|School", 28248, 1476698, 7.99, "1804/95033l.jpg", "Tomoya Okazaki is a delinquent who finds life dull and believes he'll never amount to anything."),
    (20, "Comic Girls", None, "Nexus", "CGDCT|Otaku Culture|Slice of Life", 723, 149379, 7.36, "1444/140760l.jpg", "Kaoruko Moeta is a young manga artist who is down on her luck."),
    (21, "Danjo no Yuujou wa Seiritsu suru? (Iya, Shinai!!)", "Can a Boy-Girl Friendship Survive?", "J.C.Staff", "Comedy|Romance|School", 665, 127349, 6.6, "1429/150067l.jpg", "Yuu Natsume met Himari Inuzuka in middle school while trying to sell his flower accessories."),
    (22, "Dragon Ball Daima", "Dragon Ball Daima", "Toei Animation", "Action|Adventure|Comedy|Fantasy|Martial Arts", 898, 122314, 7.62, "1723/145231l.jpg", "After saving the world from Majin Buu, Gokuu Son and his allies look forward to a rest."),
    (23, "Engage Kiss", "Engage Kiss", "A-1 Pictures", "Action|Comedy|Love Polygon|Romance", 1261, 265052, 6.79, "1549/125495l.jpg", "Bayron City, built on a newly discovered energy source, promises every citizen a luxurious life."),
    (24, "Eromanga-sensei", "Eromanga Sensei", "A-1 Pictures", "Comedy|Ecchi|Otaku Culture|Romance", 2759, 753186, 6.32, "2/86468l.jpg", "One year ago, Sagiri Izumi became step-siblings with Masamune Izumi."),
    (25, "Fantasy Bishoujo Juniku Ojisan to", "Life with an Ordinary Guy who Reincarnated into a Total Fantasy Knockout", "OLM", "Adventure|Comedy|Fantasy|Isekai|Parody", 852, 198474, 7.12, "1430/120065l.jpg", "Two old friends are summoned to another world, and one of them arrives as a beautiful girl."),
    (26, "Fate/stay night Movie: Heaven's Feel", "Fate/stay night: Heaven's Feel", "ufotable", "Action|Fantasy|Urban Fantasy", 3551, 421124, 8.47, "1974/98158l.jpg", "The Fifth Holy Grail War continues, and the ensuing chaos raises the stakes for all."),
    (27, "Food Court de, Mata Ashita.", "See You Tomorrow at the Food Court", "Atelier Pontdarc", "Slice of Life", 85, 24329, 7.53, "1039/150572l.jpg", "To their classmates, Wada is a quiet rich girl and Yamamoto an intimidating lone wolf."),
    (28, "Gakkougurashi!", "School-Live!", "Lerche", "Horror|Mystery|Psychological|School|Slice of Life|Survival", 5661, 473737, 7.61, "1798/91548l.jpg", "Carefree high school senior Yuki Takeya looks forward to the School Living Club every day."),
    (29, "Game Center Shoujo to Ibunka Kouryuu", "Cultural Exchange With a Game Centre Girl", "Nomad", "Comedy|Love Status Quo|Romance", 64, 27681, 6.74, "1943/149719l.jpg", "Arcade employee Renji Kusakabe notices a small foreign girl struggling with a crane game."),
    (30, "Gamers!", "Gamers!", "PINE JAM", "Comedy|Love Polygon|Otaku Culture|Romance|School|Video Game", 2243, 686376, 6.73, "4/86828l.jpg", "Keita Amano is a typical high school gamer living out an average student's life."),
)

# (waifu_id, name, series_id, rarity, archetype, elements, image, birthday "Month Day")
REAL_CHARACTERS: tuple[tuple[Any, ...], ...] = (
    (5, "Miku Nakano", 1, 3, "Sage", ("water",), "15/507743.jpg", "May 5"),
    (2, "Nino Nakano", 1, 3, "Trickster", ("fire",), "7/437011.jpg", "May 5"),
    (1, "Itsuki Nakano", 1, 3, "Ally", ("neutral",), "5/437010.jpg", "May 5"),
    (13, "Tsumiki Miniwa", 2, 3, "Berserker", ("neutral",), "5/161551.jpg", "January 11"),
    (12, "Mayoi Katase", 2, 2, "Engineer", ("earth",), "15/170999.jpg", None),
    (11, "Hime Haruno", 2, 2, "Healer", ("light",), "11/161545.jpg", None),
    (18, "Reina Aharen", 3, 3, "Ninja", ("void",), "7/370529.jpg", None),
    (24, "Toubaru-sensei", 3, 1, "Healer", ("light",), "3/476739.jpg", None),
    (19, "Eru Aharen", 3, 1, "Trickster", ("wind",), "5/474769.jpg", None),
    (26, "Yumiella Dolkness", 4, 3, "Warlock", ("dark", "void"), "11/554375.jpg", None),
    (28, "Eleanora Hillrose", 4, 2, "Swordsman", ("neutral",), "11/521715.jpg", None),
    (27, "Alicia Ehnleit", 4, 2, "Sage of Light", ("light",), "16/521711.jpg", None),
    (32, "Kanade Tachibana", 5, 3, "Templar", ("light",), "10/289337.jpg", None),
    (31, "Yuri Nakamura", 5, 3, "Gunslinger", ("neutral",), "7/119951.jpg", None),
    (40, "Yui", 5, 3, "Dancer", ("fire",), "11/150391.jpg", None),
    (43, "Kohane Hatoya", 6, 3, "Dancer", ("neutral",), "6/349442.jpg", "July 4"),
    (44, "Uki Sawatari", 6, 2, "Dancer", ("neutral",), "11/349446.jpg", None),
    (45, "Kotetsu Tatejima", 6, 2, "Dancer", ("neutral",), "7/349445.jpg", None),
    (53, "An Hanakoizumi", 7, 3, "Trickster", ("void",), "9/302617.jpg", None),
    (54, "Ruri Hibarigaoka", 7, 3, "Sage", ("light",), "11/302616.jpg", None),
    (55, "Botan Kumegawa", 7, 3, "Knight", ("earth",), "5/302615.jpg", None),
    (61, "Meiko Honma", 8, 3, "Healer", ("light",), "16/115711.jpg", "September 18"),
    (60, "Naruko Anjou", 8, 2, "Trickster", ("wind",), "10/121622.jpg", None),
    (62, "Chiriko Tsurumi", 8, 2, "Sage", ("ice",), "9/118055.jpg", None),
    (89, "Prinz Eugen", 9, 2, "Knight", ("water", "dark"), "5/391270.jpg", None),
    (70, "Laffey", 9, 3, "Trickster", ("water",), "3/437855.jpg", None),
    (76, "Belfast", 9, 2, "Paladin", ("water", "light"), "8/496951.jpg", None),
    (97, "Suzu Suzukaze", 10, 2, "Champion", ("neutral",), "9/578219.jpg", None),
    (98, "Yuu Yuutani", 10, 3, "Trickster", ("dark",), "2/578284.jpg", None),
    (96, "Rura Ruriha", 10, 2, "Trickster", ("dark",), "4/578218.jpg", None),
    (104, "Hitagi Senjougahara", 11, 3, "Trickster", ("neutral",), "11/287902.jpg", "July 7"),
    (108, "Shinobu Oshino", 11, 3, "Vampire", ("dark", "void"), "16/234167.jpg", None),
    (101, "Tsubasa Hanekawa", 11, 3, "Oracle", ("light", "dark"), "3/288080.jpg", None),
    (110, "Hitori Gotou", 12, 3, "Bard", ("dark",), "8/491455.jpg", "February 21"),
    (113, "Ryou Yamada", 12, 3, "Trickster", ("water",), "16/491303.jpg", "September 18"),
    (111, "Nijika Ijichi", 12, 3, "Ally", ("light",), "16/491305.jpg", "May 29"),
    (123, "Fumino Furuhashi", 13, 3, "Sage", ("wind",), "9/363075.jpg", "October 23"),
    (124, "Mafuyu Kirisu", 13, 2, "Witch", ("water",), "13/492159.jpg", "December 28"),
    (127, "Uruka Takemoto", 13, 2, "Physical Attacker", ("water",), "3/363074.jpg", None),
    (138, "Sakura Kinomoto", 14, 3, "Elementalist", ("fire", "water", "earth", "wind", "light"), "5/86417.jpg", "April 1"),
    (137, "Tomoyo Daidouji", 14, 2, "Bard", ("light",), "7/55687.jpg", None),
    (141, "Meiling Li", 14, 2, "Monk", ("neutral",), "5/70024.jpg", None),
    (149, "Nao Tomori", 15, 3, "Illusionist", ("wind",), "10/288020.jpg", None),
    (148, "Ayumi Otosaka", 15, 2, "Berserker", ("earth",), "4/288021.jpg", None),
    (151, "Misa Kurobane", 15, 3, "Mage", ("fire",), "5/287688.jpg", None),
    (160, "Neptune", 16, 3, "Champion", ("void",), "6/206111.jpg", None),
    (161, "Noire", 16, 3, "Samurai", ("neutral",), "15/206113.jpg", None),
    (171, "Pururut", 16, 2, "Witch", ("dark",), "15/206643.jpg", None),
    (177, "Rikka Takanashi", 17, 3, "Warlock", ("dark", "void"), "2/257273.jpg", "June 12"),
    (175, "Sanae Dekomori", 17, 3, "Mage", ("earth",), "3/183341.jpg", "August 9"),
    (176, "Shinka Nibutani", 17, 3, "Dancer", ("fire",), "2/254697.jpg", "August 30"),
    (188, "Wako Izumi", 18, 3, "Ally", ("neutral",), "4/598535.jpg", None),
    (189, "Midori Nagumo", 18, 3, "Trickster", ("neutral",), "8/598536.jpg", None),
    (190, "Niikura", 18, 3, "Sage", ("neutral",), "7/598537.jpg", None),
    (197, "Nagisa Furukawa", 19, 3, "Priest", ("light", "nature"), "3/300961.jpg", "December 24"),
    (200, "Tomoyo Sakagami", 19, 3, "Warlord", ("neutral",), "2/34293.jpg", "October 14"),
    (196, "Kyou Fujibayashi", 19, 3, "Berserker", ("fire",), "11/52002.jpg", None),
    (213, "Kaoruko Moeta", 20, 3, "Trickster", ("void",), "8/332891.jpg", None),
    (211, "Tsubasa Katsuki", 20, 3, "Samurai", ("neutral",), "12/332889.jpg", None),
    (210, "Ruki Irokawa", 20, 2, "Witch", ("dark",), "13/332890.jpg", None),
    (219, "Himari Inuzuka", 21, 3, "Dancer", ("light",), "8/588919.jpg", None),
    (220, "Rion Enomoto", 21, 3, "Ally", ("neutral",), "5/588921.jpg", None),
    (221, "Kureha Enomoto", 21, 1, "Ally", ("neutral",), "3/594700.jpg", None),
    (224, "Bulma", 22, 3, "Engineer", ("neutral",), "14/280893.jpg", None),
    (227, "Jinzouningen 18-gou", 22, 3, "Crusader", ("neutral",), "2/357828.jpg", None),
    (225, "Chi-Chi", 22, 2, "Monk", ("neutral",), "14/247963.jpg", None),
    (229, "Kisara", 23, 3, "Reaper", ("dark", "fire"), "2/476666.jpg", "September 30"),
    (230, "Ayano Yuugiri", 23, 3, "Samurai", ("neutral",), "8/476669.jpg", "November 2"),
    (228, "Sharon Holygrail", 23, 2, "Templar", ("light",), "3/476675.jpg", "October 4"),
    (235, "Sagiri Izumi", 24, 3, "Alchemist", ("light",), "8/362254.jpg", "December 10"),
    (242, "Elf Yamada", 24, 2, "Bard", ("light",), "9/324561.jpg", None),
    (237, "Megumi Jinno", 24, 1, "Dancer", ("neutral",), "11/324563.jpg", "June 15"),
    (243, "Hinata Tachibana", 25, 3, "Champion", ("light",), "4/456920.jpg", None),
    (244, "Tilolilo Lilili Lou", 25, 2, "Healer", ("light",), "7/456915.jpg", None),
    (247, "Yugrain", 25, 1, "Knight", ("neutral",), "3/461435.jpg", None),
    (251, "Saber", 26, 3, "Warlord", ("light", "wind"), "6/275276.jpg", None),
    (249, "Rin Toosaka", 26, 3, "Mage", ("fire", "water", "earth", "wind", "nature"), "2/270529.jpg", "February 3"),
    (252, "Illyasviel von Einzbern", 26, 3, "Summoner", ("void",), "14/346384.jpg", "November 20"),
    (257, "Wada", 27, 3, "Ally", ("neutral",), "15/516461.jpg", None),
    (258, "Yamamoto", 27, 3, "Ally", ("neutral",), "9/516464.jpg", None),
    (259, "Kurumi Ebisuzawa", 28, 3, "Sellsword", ("neutral",), "13/286725.jpg", None),
    (261, "Yuki Takeya", 28, 3, "Illusionist", ("light",), "10/298482.jpg", None),
    (267, "Taroumaru", 28, 2, "Beastmaster", ("earth",), "14/339408.jpg", None),
    (269, "Lily Baker", 29, 3, "Gunslinger", ("neutral",), "9/571257.jpg", None),
    (272, "Aoi Kusakabe", 29, 2, "Ally", ("neutral",), "4/592688.jpg", None),
    (270, "Karin Kaga", 29, 2, "Ally", ("neutral",), "8/592689.jpg", None),
    (276, "Karen Tendou", 30, 3, "Champion", ("light",), "9/330151.jpg", None),
    (275, "Chiaki Hoshinomori", 30, 2, "Sage", ("neutral",), "11/330152.jpg", None),
    (274, "Aguri", 30, 2, "Dancer", ("neutral",), "7/330153.jpg", None),
)

# Generated series: "<first> no <second>" with an English name built from the same parts.
TITLE_FIRST = (
    ("Hoshizora", "Starry Sky"), ("Tsukiyo", "Moonlit Night"), ("Yume", "Dreams"), ("Sora", "Sky"),
    ("Umibe", "Seaside"), ("Hanabi", "Fireworks"), ("Kaze", "Wind"), ("Yoake", "Dawn"),
    ("Natsuzora", "Summer Sky"), ("Fuyuzora", "Winter Sky"), ("Sakurazaka", "Cherry Slope"),
    ("Kagami", "Mirror"), ("Tasogare", "Twilight"), ("Ginga", "Galaxy"), ("Mahou", "Magic"),
    ("Kiri", "Mist"), ("Koori", "Ice"), ("Honoo", "Flame"), ("Mori", "Forest"), ("Shiro", "Castle"),
)
TITLE_SECOND = (
    ("Melody", "Melody"), ("Gakuen", "Academy"), ("Monogatari", "Tale"), ("Kiseki", "Miracle"),
    ("Tenshi", "Angel"), ("Majo", "Witch"), ("Hime", "Princess"), ("Senki", "War Chronicle"),
    ("Tantei", "Detective"), ("Kissaten", "Café"), ("Bouken", "Adventure"), ("Uta", "Song"),
)
STUDIOS = ("Kyoto Animation", "P.A. Works", "A-1 Pictures", "CloverWorks", "Doga Kobo", "Lerche",
           "J.C.Staff", "Shaft", "ufotable", "SILVER LINK.", "Madhouse", "Nexus", "Felix Film")
GENRE_WORDS = ("Comedy", "Romance", "School", "Fantasy", "Drama", "Slice of Life", "Action",
               "Adventure", "Music", "Mystery", "Sci-Fi", "Supernatural", "CGDCT", "Isekai")
GIVEN_NAMES = (
    "Aiko", "Akane", "Asuka", "Ayame", "Chika", "Chiyo", "Emi", "Fuuka", "Haruka", "Hikari",
    "Himeko", "Hotaru", "Iroha", "Kaede", "Kanon", "Kasumi", "Kotone", "Kurumi", "Mahiro",
    "Mai", "Mei", "Mikoto", "Minami", "Mio", "Misaki", "Nanami", "Natsuki", "Noa", "Rei",
    "Rin", "Saki", "Sakura", "Shiori", "Sora", "Suzu", "Tomoe", "Tsubaki", "Uta", "Yuzuki", "Yui",
)
FAMILY_NAMES = (
    "Aizawa", "Amamiya", "Asahina", "Fujimoto", "Hanazawa", "Hayase", "Hoshino", "Ichinose",
    "Kagura", "Kamiya", "Kirishima", "Kohinata", "Kurosawa", "Minase", "Mizuhara", "Morino",
    "Nanase", "Nishikawa", "Ootori", "Sakuraba", "Shirakawa", "Takamiya", "Tachibana", "Yukimura",
)
ARCHETYPES = ("Ally", "Healer", "Trickster", "Sage", "Dancer", "Witch", "Champion", "Bard",
              "Illusionist", "Samurai", "Engineer", "Oracle", "Warlord", "Priest", "Knight", "Mage")
ELEMENTS = ("fire", "water", "earth", "wind", "nature", "neutral", "void", "light", "dark")
WEAKNESS = {"fire": "water", "water": "nature", "nature": "fire", "earth": "wind",
            "wind": "earth", "light": "dark", "dark": "light", "void": "light", "ice": "fire"}
GIFTS = ("Chocolate", "Roses", "Hair Ribbon", "Cake", "Novel", "Manga", "Sakura Petals", "Necklace")
MOODS = ("neutral", "neutral", "happy", "excited", "shy", "annoyed", "sleepy", "loving")

# (template id = location, name, duration hours, difficulty)
EXPEDITIONS: tuple[tuple[str, str, float, int], ...] = (
    ("sakura_festival", "Sakura Festival Errands", 1, 50),
    ("academy_archives", "Academy Archives Cleanup", 2, 60),
    ("whispering_woods", "Whispering Woods Patrol", 2, 80),
    ("coral_caverns", "Coral Caverns", 3, 120),
    ("sunken_library", "The Sunken Library", 4, 150),
    ("moonlit_shrine", "Moonlit Shrine Vigil", 6, 200),
    ("ember_peak", "Ember Peak Ascent", 8, 280),
    ("frost_hollow", "Frost Hollow Expedition", 10, 320),
    ("clockwork_city", "Clockwork City Heist", 12, 360),
    ("void_rift", "Void Rift Incursion", 16, 450),
    ("dragon_nest", "The Dragon's Nest", 20, 520),
    ("starfall_ruins", "Starfall Ruins", 24, 480),
)
ENCOUNTERS = ("Goblin Ambush", "Collapsed Bridge", "Wandering Merchant", "Riddle Door",
              "Slime Swarm", "Lost Child", "Cursed Shrine", "Rival Party", "Treasure Chest",
              "Sudden Storm", "Sleeping Golem", "Fox Spirit")
LOOT_ITEMS = ("Sakura Seed", "Ancient Relic Fragment", "Moonstone", "Star Shard Pouch",
              "Faded Map", "Spirit Lantern", "Golem Core")

# (name, description, price, currency, category, item_type, item_data, effects, stock, active)
SHOP_ITEMS: tuple[tuple[Any, ...], ...] = (
    ("Summon Ticket", "One summon on any banner.", 100, "quartzs", "gacha", "summon_ticket", {"pulls": 1}, {}, -1, True),
    ("10x Summon Ticket", "Ten summons; the tenth is at least 2 stars.", 900, "quartzs", "gacha", "summon_ticket", {"pulls": 10, "guarantee": 2}, {}, -1, True),
    ("Bond Cookie", "A snack your companion will love.", 30, "quartzs", "consumable", "bond_item", {}, {"bond_exp": 50}, -1, True),
    ("Deluxe Bento", "Homemade, with a rolled omelette.", 80, "quartzs", "consumable", "bond_item", {}, {"bond_exp": 150}, -1, True),
    ("Expedition Speed-Up", "Brings an expedition home an hour sooner.", 60, "quartzs", "boost", "speed_up", {}, {"hours": 1}, -1, True),
    ("Loot Charm", "More loot from expeditions for a day.", 120, "quartzs", "boost", "loot_boost", {"duration_hours": 24}, {"loot_bonus_pct": 10}, -1, True),
    ("Star Shard Pouch", "Fifty star shards.", 200, "quartzs", "upgrade", "star_shards", {"amount": 50}, {}, -1, True),
    ("Reroll Scroll", "Rerolls one equipment sub slot.", 250, "quartzs", "upgrade", "reroll", {}, {"reroll_slots": 1}, -1, True),
    ("Sub-slot Key", "Unlocks an equipment sub slot.", 400, "quartzs", "upgrade", "slot_key", {}, {"unlock_slots": 1}, 5, True),
    ("Sakura Room Set", "Pink curtains, a low table, petals.", 500, "sakura_crystals", "cosmetic", "decoration", {"theme": "sakura"}, {}, -1, True),
    ("Moonlit Garden Backdrop", "A garden under a paper moon.", 800, "sakura_crystals", "cosmetic", "decoration", {"theme": "moon"}, {}, -1, True),
    ("Name Change Card", "Rename your academy.", 300, "quartzs", "utility", "rename", {}, {}, -1, True),
    ("Awakening Crystal", "Needed to awaken a 5-star character.", 3, "daphine", "upgrade", "awakening", {}, {"awaken": 1}, -1, True),
    ("Pity Insurance", "Retired: kept the pity counter across banners.", 350, "quartzs", "gacha", "pity", {}, {}, -1, False),
    ("Winter Festival Bundle", "Seasonal: three tickets and a scarf.", 600, "quartzs", "bundle", "bundle", {"tickets": 3}, {}, 1, False),
)

# (name, description, type, target, reward type, reward amount, difficulty, active)
MISSIONS: tuple[tuple[Any, ...], ...] = (
    ("Daily Check-in", "Log in today.", "login", 1, "sakura_crystals", 50, "easy", True),
    ("Daily Summons", "Summon 3 times.", "summon", 3, "sakura_crystals", 100, "easy", True),
    ("Chatterbox", "Talk with your characters 5 times.", "conversation", 5, "quartzs", 10, "easy", True),
    ("Window Shopping", "Buy one item from the shop.", "purchase", 1, "sakura_crystals", 50, "easy", True),
    ("Expedition Dispatch", "Start 2 expeditions.", "expedition_start", 2, "quartzs", 20, "medium", True),
    ("Gift Giver", "Give 3 gifts.", "gift", 3, "quartzs", 15, "medium", True),
    ("Bond Builder", "Raise a bond level.", "bond", 1, "sakura_crystals", 150, "medium", True),
    ("Ten-Pull Dreamer", "Summon 10 times.", "summon", 10, "daphine", 1, "hard", True),
    ("Expedition Veteran", "Complete 3 expeditions.", "expedition_complete", 3, "quartzs", 50, "hard", True),
    ("Star Seeker", "Upgrade a character's star level.", "star_upgrade", 1, "daphine", 1, "hard", False),
)

# (code, reward type, value, active, usage limit, created, expires, chance a player redeems it)
# Dates are ISO strings (UTC). Covers: unlimited (-1 and NULL), limited and exhausted,
# expired, deactivated, and never used.
GIFT_CODES: tuple[tuple[Any, ...], ...] = (
    ("WELCOME2025", "sakura_crystals", 1000, True, -1, "2025-01-01", None, 0.55),
    ("GEMINYA-1ST-ANNIV", "quartzs", 300, True, None, "2025-06-01", "2030-12-31", 0.35),
    ("FIRST25", "sakura_crystals", 2500, True, 25, "2025-02-01", None, 0.5),
    ("STREAMER-MIKU", "quartzs", 150, True, 80, "2025-08-10", "2030-06-30", 0.12),
    ("BUGFIX-SORRY", "daphine", 5, True, 500, "2025-10-03", None, 0.2),
    ("HALLOWEEN25", "sakura_crystals", 666, True, -1, "2025-10-20", "2025-11-01", 0.3),
    ("SUMMERFEST", "quartzs", 200, False, -1, "2025-07-01", None, 0.25),
    ("OLD-BETA", "sakura_crystals", 500, True, 100, "2025-01-05", "2025-03-01", 0.0),
    ("kawaii-crystals", "sakura_crystals", 77, True, -1, "2025-11-11", None, 0.1),
    ("NEWYEAR2026", "sakura_crystals", 2026, True, -1, "2025-12-31", "2030-01-31", 0.15),
    ("TESTER-ONLY", "daphine", 10, True, 10, "2025-12-20", None, 0.0),
)

BANNER_NAMES = (
    "Spring Blossoms", "School Festival", "Summer Splash", "Idol Stage", "Autumn Moon",
    "Harvest Night", "Frost Fairy Tale", "Holiday Lights", "Starlit Encore", "Rock the Stage",
    "New Year's Wishes", "Eternal Promise",
)
ACADEMY_WORDS = (("Sakura", "Starlight", "Moonlit", "Crimson", "Azure", "Silver", "Aurora",
                  "Hanami", "Twilight", "Royal", "Shining", "Lunar"),
                 ("Academy", "Gakuen", "Institute", "Conservatory", "High", "College"))
PLAYER_LINES = ("Good morning!", "How was your day?", "Want to go on an expedition?",
                "I brought you a cake.", "What's your favourite song?", "You look tired.",
                "Thank you for today.", "Shall we train together?")
WAIFU_LINES = ("Good morning! I saved you a seat.", "Long, but better now that you're here.",
               "Only if you carry the snacks.", "A cake? For me? ...Thank you.",
               "Anything we can sing together!", "I'm fine! Just a little sleepy.",
               "No, thank *you*.", "Try to keep up!")
