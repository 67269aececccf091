<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <source>the 3D widget could not be created: {0}</source>
        <translation>无法创建 3D 视图：{0}</translation>
    </message>
    <message>
        <source>3D view unavailable: OpenGL could not be started on this display ({0}). The 2D map and everything else work.</source>
        <translation>3D 视图不可用：无法在此显示器上启动 OpenGL（{0}）。二维地图和其他功能均可正常使用。</translation>
    </message>
    <message>
        <source>OpenGL initialisation failed: {0}</source>
        <translation>OpenGL 初始化失败：{0}</translation>
    </message>
    <message>
        <source>the widget&apos;s OpenGL context could not be created</source>
        <translation>无法创建该视图的 OpenGL 上下文</translation>
    </message>
</context>
<context>
    <name>BatchExperimentView</name>
    <message>
        <source>full</source>
        <translation>全批次</translation>
    </message>
    <message>
        <source>Run the batch-size experiment</source>
        <translation>运行批次大小实验</translation>
    </message>
    <message>
        <source>Trains on the left surface from its start with the optimizer on the left, for batch sizes 1, 8, 64 and the full batch, 5 shuffle seeds each. Test loss: the loss shifted by the test mismatch. Sharpness: the largest eigenvalue of the train loss&apos;s Hessian where the run ends (large = a sharp minimum). Second tab: the updates and epochs each batch size needs to reach one loss. The dashed line is the gradient noise scale B_simple at the start.</source>
        <translation>用左侧的优化器，从左侧曲面的起点出发训练，批次大小取 1、8、64 和全批次，每种用 5 个打乱种子。测试损失：按测试偏移平移后的损失。尖锐度：运行终点处训练损失的海森矩阵的最大特征值（大 = 尖锐的极小值）。第二个标签页：每个批次大小达到同一损失所需的更新次数与 epoch 数。虚线是起点处的梯度噪声尺度 B_simple。</translation>
    </message>
    <message>
        <source>final loss and sharpness</source>
        <translation>最终损失与尖锐度</translation>
    </message>
    <message>
        <source>updates and epochs to reach a loss</source>
        <translation>达到某一损失所需的更新与 epoch</translation>
    </message>
    <message>
        <source>batch</source>
        <translation>批次</translation>
    </message>
    <message>
        <source>seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>train loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <source>test loss</source>
        <translation>测试损失</translation>
    </message>
    <message>
        <source>sharpness</source>
        <translation>尖锐度</translation>
    </message>
    <message>
        <source>final loss</source>
        <translation>最终损失</translation>
    </message>
    <message>
        <source>mean loss</source>
        <translation>平均损失</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>train</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>test</source>
        <translation>测试</translation>
    </message>
    <message>
        <source>final sharpness</source>
        <translation>最终尖锐度</translation>
    </message>
    <message>
        <source>Hessian&apos;s λ_max</source>
        <translation>海森矩阵的 λ_max</translation>
    </message>
    <message>
        <source>batch size</source>
        <translation>批次大小</translation>
    </message>
    <message>
        <source>running… 0 / {0} runs</source>
        <translation>运行中… 0 / {0} 次</translation>
    </message>
    <message>
        <source>running… {0} / {1} runs</source>
        <translation>运行中… {0} / {1} 次</translation>
    </message>
    <message>
        <source>no runs</source>
        <translation>没有运行</translation>
    </message>
    <message>
        <source>done: {0} runs. Lowest test loss with batch {1}; flattest end with batch {2}.</source>
        <translation>完成：共 {0} 次运行。测试损失最低的是批次 {1}；终点最平坦的是批次 {2}。</translation>
    </message>
    <message>
        <source>done: {0} runs. Lowest test loss with batch {1}; the same sharpness with every batch size.</source>
        <translation>完成：共 {0} 次运行。测试损失最低的是批次 {1}；所有批次大小的尖锐度都相同。</translation>
    </message>
    <message>
        <source>done: {0} runs. Every batch size diverged, so none has the lowest test loss or the flattest end: try a smaller learning rate.</source>
        <translation>完成：共 {0} 次运行。每个批次大小都发散了，因此没有测试损失最低或终点最平坦的批次：请试试更小的学习率。</translation>
    </message>
    <message>
        <source>Diverged and left out: batch {0}.</source>
        <translation>已发散、未参与比较：批次 {0}。</translation>
    </message>
    <message>
        <source>{0}: this run diverged</source>
        <translation>{0}：这次运行发散了</translation>
    </message>
    <message>
        <source>to reach the loss</source>
        <translation>达到该损失</translation>
    </message>
    <message>
        <source>count</source>
        <translation>次数</translation>
    </message>
    <message>
        <source>updates</source>
        <translation>更新次数</translation>
    </message>
    <message>
        <source>epochs</source>
        <translation>epoch 数</translation>
    </message>
    <message>
        <source>Noise scale at the start: B_simple = {0}; no knee between updates and epochs among these batch sizes.</source>
        <translation>起点处的噪声尺度：B_simple = {0}；在这些批次大小之间，更新次数与 epoch 数没有出现拐点。</translation>
    </message>
    <message>
        <source>Noise scale at the start: B_simple = {0}. To reach loss {1}, the knee (a bigger batch stops saving updates and starts costing epochs) falls near batch {2}.</source>
        <translation>起点处的噪声尺度：B_simple = {0}。要达到损失 {1}，拐点（更大的批次不再节省更新次数、开始多花 epoch）落在批次 {2} 附近。</translation>
    </message>
    <message>
        <source>B_simple = {0}</source>
        <translation>B_simple = {0}</translation>
    </message>
</context>
<context>
    <name>BoundaryView</name>
    <message>
        <source>&lt;span style=&apos;color:{0}&apos;&gt;●&lt;/span&gt; class 0 · &lt;span style=&apos;color:{1}&apos;&gt;●&lt;/span&gt; class 1 (training) · ○ validation · &lt;b&gt;—&lt;/b&gt; decision boundary (p = 0.5). Background: the model&apos;s probability of class 1, blue 0 · white 0.5 · orange 1.&lt;br&gt;Click to add a class 0 training point, Shift-click for class 1.</source>
        <translation>&lt;span style=&apos;color:{0}&apos;&gt;●&lt;/span&gt; 类别 0 · &lt;span style=&apos;color:{1}&apos;&gt;●&lt;/span&gt; 类别 1（训练集） · ○ 验证集 · &lt;b&gt;—&lt;/b&gt; 决策边界（p = 0.5）。背景：模型给出的类别 1 的概率，蓝 0 · 白 0.5 · 橙 1。&lt;br&gt;点击添加一个类别 0 的训练点，Shift+点击添加类别 1 的训练点。</translation>
    </message>
    <message>
        <source>class {0}</source>
        <translation>类别 {0}</translation>
    </message>
    <message>
        <source>validation points right per class</source>
        <translation>每类验证点的正确率</translation>
    </message>
    <message>
        <source>● training · ○ validation · &lt;b&gt;—&lt;/b&gt; where the most likely class changes. Background: the most likely class, paler where the model is less sure.&lt;br&gt;Click to add a class 0 training point, Shift-click for class 1.</source>
        <translation>● 训练集 · ○ 验证集 · &lt;b&gt;—&lt;/b&gt; 最可能的类别发生变化的地方。背景：最可能的类别，模型越不确定颜色越浅。&lt;br&gt;点击添加一个类别 0 的训练点，Shift+点击添加类别 1 的训练点。</translation>
    </message>
</context>
<context>
    <name>CollapsiblePanel</name>
    <message>
        <source>Show the settings</source>
        <translation>显示设置</translation>
    </message>
    <message>
        <source>Hide the settings</source>
        <translation>隐藏设置</translation>
    </message>
</context>
<context>
    <name>CurvaturePanel</name>
    <message>
        <source>Compute the Hessian at the current weights</source>
        <translation>计算当前权重处的海森矩阵</translation>
    </message>
    <message>
        <source>Pauses training. Exact eigenvalues up to 2,000 parameters (torch.func), the extreme ones by Lanczos beyond; on the whole training set, in eval mode.</source>
        <translation>会暂停训练。参数不超过 2,000 个时精确计算全部特征值（torch.func），更多时用 Lanczos 方法求两端的特征值；在整个训练集上、以评估模式计算。</translation>
    </message>
    <message>
        <source>The Hessian&apos;s eigenvalues say how the loss curves around the current weights: all positive (minimum ratio 1) at a strict local minimum, some negative at a saddle point. Train a while, pause, then compute.</source>
        <translation>海森矩阵的特征值描述损失在当前权重附近如何弯曲：在严格局部极小值处全部为正（极小值比率为 1），在鞍点处有一些为负。先训练一会儿，暂停，再计算。</translation>
    </message>
    <message>
        <source>spectrum of the Hessian</source>
        <translation>海森矩阵的谱</translation>
    </message>
    <message>
        <source>eigenvalue λ</source>
        <translation>特征值 λ</translation>
    </message>
    <message>
        <source>number of eigenvalues (log scale)</source>
        <translation>特征值个数（对数坐标）</translation>
    </message>
    <message>
        <source>Computing the Hessian…</source>
        <translation>正在计算海森矩阵…</translation>
    </message>
    <message>
        <source>not at a critical point</source>
        <translation>不在临界点</translation>
    </message>
    <message>
        <source>local-minimum-like</source>
        <translation>类似局部极小值</translation>
    </message>
    <message>
        <source>saddle-like</source>
        <translation>类似鞍点</translation>
    </message>
    <message>
        <source>exact, all {0} eigenvalues</source>
        <translation>精确：全部 {0} 个特征值</translation>
    </message>
    <message>
        <source>Lanczos: extreme eigenvalues; histogram and ratio estimated</source>
        <translation>Lanczos：两端的特征值；直方图和比率为估计值</translation>
    </message>
    <message>
        <source>minimum ratio (share of positive eigenvalues): &lt;b&gt;{0:.3f}&lt;/b&gt;</source>
        <translation>极小值比率（正特征值所占比例）：&lt;b&gt;{0:.3f}&lt;/b&gt;</translation>
    </message>
    <message>
        <source>loss {0:.4g} · gradient norm {1:.3g} · {2}</source>
        <translation>损失 {0:.4g} · 梯度范数 {1:.3g} · {2}</translation>
    </message>
    <message>
        <source>largest λ: {0}&lt;br&gt;smallest λ: {1}</source>
        <translation>最大 λ：{0}&lt;br&gt;最小 λ：{1}</translation>
    </message>
    <message>
        <source>The gradient is not small (above {0:g}): these weights are not at a critical point, so no verdict; the eigenvalues describe the local curvature only.</source>
        <translation>梯度并不小（大于 {0:g}）：这些权重不在临界点上，因此不作判断；特征值只描述局部曲率。</translation>
    </message>
    <message>
        <source>Small gradient and no clearly negative eigenvalue: every direction curves up or is flat (|λ| below {0:.2g}, {1:g}% of the largest, counts as 0).</source>
        <translation>梯度很小且没有明显为负的特征值：每个方向都向上弯或是平的（|λ| 小于 {0:.2g}，即最大值的 {1:g}%，视为 0）。</translation>
    </message>
    <message>
        <source>Small gradient but a negative eigenvalue: moving along its eigenvector lowers the loss. A saddle point, not a minimum: training can still escape.</source>
        <translation>梯度很小但有负特征值：沿它的特征向量移动会降低损失。这是鞍点而不是极小值：训练仍然可以逃离。</translation>
    </message>
</context>
<context>
    <name>CurveView</name>
    <message>
        <source>true function</source>
        <translation>真实函数</translation>
    </message>
    <message>
        <source>training points</source>
        <translation>训练点</translation>
    </message>
    <message>
        <source>validation points</source>
        <translation>验证点</translation>
    </message>
    <message>
        <source>the network</source>
        <translation>网络</translation>
    </message>
</context>
<context>
    <name>DataForm</name>
    <message>
        <source>Circles</source>
        <translation>同心圆</translation>
    </message>
    <message>
        <source>XOR</source>
        <translation>异或（XOR）</translation>
    </message>
    <message>
        <source>Two Gaussians</source>
        <translation>两团高斯分布</translation>
    </message>
    <message>
        <source>Spiral</source>
        <translation>螺旋</translation>
    </message>
    <message>
        <source>Moons</source>
        <translation>双月</translation>
    </message>
    <message>
        <source>Blobs (3–6 classes)</source>
        <translation>多团点（3–6 类）</translation>
    </message>
    <message>
        <source>Spiral arms (3–6 classes)</source>
        <translation>多臂螺旋（3–6 类）</translation>
    </message>
    <message>
        <source>Pinwheel (3–6 classes)</source>
        <translation>风车（3–6 类）</translation>
    </message>
    <message>
        <source>classes</source>
        <translation>类别数</translation>
    </message>
    <message>
        <source>Number of classes: one colour and one network output each.</source>
        <translation>类别数：每类一种颜色，对应网络的一个输出。</translation>
    </message>
    <message>
        <source>Noisy sine (1D)</source>
        <translation>带噪声的正弦（一维）</translation>
    </message>
    <message>
        <source>sin(5πx)/(5πx) (1D)</source>
        <translation>sin(5πx)/(5πx)（一维）</translation>
    </message>
    <message>
        <source>Digits 8×8 (10 classes)</source>
        <translation>手写数字 8×8（10 类）</translation>
    </message>
    <message>
        <source>flip</source>
        <translation>翻转</translation>
    </message>
    <message>
        <source>shift</source>
        <translation>平移</translation>
    </message>
    <message>
        <source>cutout</source>
        <translation>遮挡</translation>
    </message>
    <message>
        <source>mixup</source>
        <translation>混合（mixup）</translation>
    </message>
    <message>
        <source>Mirror left-right with probability 1/2.</source>
        <translation>以 1/2 的概率左右镜像翻转。</translation>
    </message>
    <message>
        <source>Move by −1, 0 or +1 pixel along each axis.</source>
        <translation>沿每个坐标轴平移 −1、0 或 +1 个像素。</translation>
    </message>
    <message>
        <source>Add Gaussian noise (std 0.1).</source>
        <translation>加入高斯噪声（标准差 0.1）。</translation>
    </message>
    <message>
        <source>Blank a random 3×3 square.</source>
        <translation>随机抹去一个 3×3 的方块。</translation>
    </message>
    <message>
        <source>Blend each image with another one, and their labels alike.</source>
        <translation>把每张图像与另一张图像按比例混合，标签也同样混合。</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>same distribution</source>
        <translation>同一分布</translation>
    </message>
    <message>
        <source>shifted</source>
        <translation>平移</translation>
    </message>
    <message>
        <source>rotated</source>
        <translation>旋转</translation>
    </message>
    <message>
        <source>Mismatch: draw the validation set from a shifted or rotated distribution; more training data will not close that gap.</source>
        <translation>分布不匹配：验证集取自平移或旋转后的分布；再多的训练数据也弥合不了这个差距。</translation>
    </message>
    <message>
        <source>Shift in input units (digits: pixels); rotation in degrees.</source>
        <translation>平移量以输入单位计（手写数字：像素）；旋转以度计。</translation>
    </message>
    <message>
        <source>top: training digits · bottom: augmented</source>
        <translation>上：训练用的数字 · 下：增强后</translation>
    </message>
    <message>
        <source>dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>points</source>
        <translation>点数</translation>
    </message>
    <message>
        <source>noise</source>
        <translation>噪声</translation>
    </message>
    <message>
        <source>validation</source>
        <translation>验证集</translation>
    </message>
    <message>
        <source>mismatch</source>
        <translation>分布不匹配</translation>
    </message>
    <message>
        <source>seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>augmentation</source>
        <translation>数据增强</translation>
    </message>
</context>
<context>
    <name>DataLabPage</name>
    <message>
        <source>Raw vs normalized features</source>
        <translation>原始特征与归一化特征</translation>
    </message>
    <message>
        <source>MSE vs cross-entropy</source>
        <translation>均方误差与交叉熵</translation>
    </message>
    <message>
        <source>Train vs test (sharp vs flat minimum)</source>
        <translation>训练与测试（尖锐与平坦的极小值）</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>N: how many training examples the loss averages.</source>
        <translation>N：损失对多少个训练样本求平均。</translation>
    </message>
    <message>
        <source>Seed of the generated dataset.</source>
        <translation>生成数据集所用的种子。</translation>
    </message>
    <message>
        <source>Standard deviation of the raw feature.</source>
        <translation>原始特征的标准差。</translation>
    </message>
    <message>
        <source>How much the examples differ: the spread of their steepness (0 = all the same, so every minibatch is the full batch).</source>
        <translation>样本之间差异有多大：它们陡峭程度的分散程度（0 = 全都一样，于是每个小批次都等于全批次）。</translation>
    </message>
    <message>
        <source>The test loss is the training loss moved by this much.</source>
        <translation>测试损失是把训练损失平移这么多之后的结果。</translation>
    </message>
    <message>
        <source>examples N</source>
        <translation>样本数 N</translation>
    </message>
    <message>
        <source>data seed</source>
        <translation>数据种子</translation>
    </message>
    <message>
        <source>feature scales</source>
        <translation>特征尺度</translation>
    </message>
    <message>
        <source>example spread</source>
        <translation>样本差异</translation>
    </message>
    <message>
        <source>test shift</source>
        <translation>测试偏移</translation>
    </message>
    <message>
        <source>Minibatches</source>
        <translation>小批次</translation>
    </message>
    <message>
        <source>Examples per update; one epoch = ⌈N / batch⌉ updates.</source>
        <translation>每次更新所用的样本数；一个 epoch = ⌈N / 批次⌉ 次更新。</translation>
    </message>
    <message>
        <source>full batch</source>
        <translation>全批次</translation>
    </message>
    <message>
        <source>Seed of the shuffle at the start of every epoch.</source>
        <translation>每个 epoch 开始时打乱顺序所用的种子。</translation>
    </message>
    <message>
        <source>steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <source>epochs</source>
        <translation>epoch 数</translation>
    </message>
    <message>
        <source>batch size</source>
        <translation>批次大小</translation>
    </message>
    <message>
        <source>shuffle seed</source>
        <translation>打乱种子</translation>
    </message>
    <message>
        <source>loss plot x axis</source>
        <translation>损失图的横轴</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>对比</translation>
    </message>
    <message>
        <source>&lt;span style=&quot;color:{0}&quot;&gt;━━▶&lt;/span&gt; full-batch −gradient &amp;nbsp;&amp;nbsp; &lt;span style=&quot;color:{1}&quot;&gt;━━▶&lt;/span&gt; this minibatch&apos;s −gradient (the step taken) &amp;nbsp;&amp;nbsp; &lt;span style=&quot;color:{1}&quot;&gt;• ○&lt;/span&gt; 200 other minibatches of this size and their 2σ ellipse (when paused) &amp;nbsp;&amp;nbsp; click a map: move the start</source>
        <translation>&lt;span style=&quot;color:{0}&quot;&gt;━━▶&lt;/span&gt; 全批次的负梯度 &amp;nbsp;&amp;nbsp; &lt;span style=&quot;color:{1}&quot;&gt;━━▶&lt;/span&gt; 本小批次的负梯度（实际迈出的一步） &amp;nbsp;&amp;nbsp; &lt;span style=&quot;color:{1}&quot;&gt;• ○&lt;/span&gt; 同样大小的另外 200 个小批次及其 2σ 椭圆（暂停时） &amp;nbsp;&amp;nbsp; 点击地图：移动起点</translation>
    </message>
    <message>
        <source>full-batch loss</source>
        <translation>全批次损失</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>Loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>Batch-size experiment</source>
        <translation>批次大小实验</translation>
    </message>
    <message>
        <source>Timing experiment</source>
        <translation>计时实验</translation>
    </message>
    <message>
        <source>The same linear regression with its raw features (scales very different) and with standardized features. Raw: long thin ellipses, so one learning rate is too big for the steep direction and too small for the flat one: the run zig-zags and crawls. Normalized: near circles, and the run goes straight in.</source>
        <translation>同一个线性回归，分别使用原始特征（尺度相差很大）和标准化后的特征。原始特征：细长的椭圆，同一个学习率对陡峭方向太大、对平坦方向又太小：运行来回震荡、缓慢爬行。归一化后：接近圆形，运行径直走向极小值。</translation>
    </message>
    <message>
        <source>One classifier, two losses. Far from the optimum the sigmoid saturates: the MSE surface is a flat plateau (tiny gradients, the run creeps), while cross-entropy keeps a steady slope and the run heads straight for the optimum.</source>
        <translation>同一个分类器，两种损失。远离最优点时 sigmoid 饱和：均方误差的曲面是一片平坦的高原（梯度极小，运行缓慢爬行），而交叉熵始终保持稳定的坡度，运行径直走向最优点。</translation>
    </message>
    <message>
        <source>Left: the training loss, a sharp and a flat minimum of equal depth made of examples. Right: the test loss, the same surface shifted (test data differ from training data). One run drawn on both: where it ends in the flat basin the test loss stays low; in the sharp well it is high. Small batches are thrown out of the sharp well; try batch 1 and then the full batch.</source>
        <translation>左：训练损失，由样本构成的一个尖锐极小值和一个深度相同的平坦极小值。右：测试损失，即平移后的同一张曲面（测试数据与训练数据不同）。同一个运行同时画在两边：终点落在平坦的“盆地”里，测试损失仍然很低；落在尖锐的“深井”里，测试损失就很高。小批次会被甩出深井；先试批次 1，再试全批次。</translation>
    </message>
    <message>
        <source>raw features</source>
        <translation>原始特征</translation>
    </message>
    <message>
        <source>normalized features</source>
        <translation>归一化特征</translation>
    </message>
    <message>
        <source>MSE</source>
        <translation>均方误差</translation>
    </message>
    <message>
        <source>cross-entropy</source>
        <translation>交叉熵</translation>
    </message>
    <message>
        <source>train</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>test</source>
        <translation>测试</translation>
    </message>
    <message>
        <source>wait for the surfaces to be ready, then run it again</source>
        <translation>请等曲面准备好后再运行一次</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>epoch</translation>
    </message>
    <message>
        <source>step</source>
        <translation>步</translation>
    </message>
    <message>
        <source>‖full-batch gradient‖ = {0:.3g}</source>
        <translation>‖全批次梯度‖ = {0:.3g}</translation>
    </message>
    <message>
        <source>‖full-batch gradient‖ = {0:.3g}, ‖minibatch gradient‖ = {1:.3g}, {2:.0f}° apart</source>
        <translation>‖全批次梯度‖ = {0:.3g}，‖小批次梯度‖ = {1:.3g}，两者夹角 {2:.0f}°</translation>
    </message>
    <message>
        <source>{0}: {1}   |   {2}: {3}</source>
        <translation>{0}：{1}   |   {2}：{3}</translation>
    </message>
    <message>
        <source>step {0} = epoch {1:.2f}  —  {2}</source>
        <translation>第 {0} 步 = 第 {1:.2f} 个 epoch  —  {2}</translation>
    </message>
    <message>
        <source>batch size {0} is larger than the {1} examples: using the full batch</source>
        <translation>批次大小 {0} 大于 {1} 个样本：改用全批次</translation>
    </message>
    <message>
        <source>Linear regression, raw features (scales {0:g} and {1:g})</source>
        <translation>线性回归，原始特征（尺度 {0:g} 和 {1:g}）</translation>
    </message>
    <message>
        <source>Linear regression, normalized features</source>
        <translation>线性回归，归一化特征</translation>
    </message>
    <message>
        <source>Logistic classifier, MSE loss</source>
        <translation>逻辑回归分类器，均方误差损失</translation>
    </message>
    <message>
        <source>Logistic classifier, cross-entropy loss</source>
        <translation>逻辑回归分类器，交叉熵损失</translation>
    </message>
    <message>
        <source>Sharp vs flat minimum, made of examples</source>
        <translation>由样本组成的尖锐与平坦极小值</translation>
    </message>
    <message>
        <source>Sharp vs flat minimum, made of examples: test loss (shifted)</source>
        <translation>由样本组成的尖锐与平坦极小值：测试损失（平移）</translation>
    </message>
    <message>
        <source>the full batch (no noise)</source>
        <translation>全批次（没有噪声）</translation>
    </message>
    <message>
        <source>noise scale at step {0}: B_simple = {1} ({2}), {3} ({4}); batch in use: {5}. Batches much smaller than B_simple are noise-dominated.</source>
        <translation>第 {0} 步的噪声尺度：B_simple = {1}（{2}），{3}（{4}）；当前批次：{5}。远小于 B_simple 的批次由噪声主导。</translation>
    </message>
    <message>
        <source>noise scale at step {0}: B_simple = {1}; batch in use: {2}. Batches much smaller than B_simple are noise-dominated.</source>
        <translation>第 {0} 步的噪声尺度：B_simple = {1}；当前批次：{2}。远小于 B_simple 的批次由噪声主导。</translation>
    </message>
</context>
<context>
    <name>CurvesPlot</name>
    <message>
        <source>best epoch {0}</source>
        <translation>最好的 epoch {0}</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>epoch</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <source>validation loss</source>
        <translation>验证损失</translation>
    </message>
</context>
<context>
    <name>DiagnosePanel</name>
    <message>
        <source>Import curves</source>
        <translation>导入曲线</translation>
    </message>
    <message>
        <source>Curves (*.csv *.json *.txt);;All files (*)</source>
        <translation>曲线 (*.csv *.json *.txt);;所有文件 (*)</translation>
    </message>
    <message>
        <source>The Network Lab is not ready yet.</source>
        <translation>网络实验室还没有准备好。</translation>
    </message>
    <message>
        <source>Train the Network Lab&apos;s network for at least {0} epochs first.</source>
        <translation>请先在网络实验室里把网络训练至少 {0} 个 epoch。</translation>
    </message>
    <message>
        <source>the Network Lab&apos;s run “{0}”</source>
        <translation>网络实验室的运行“{0}”</translation>
    </message>
    <message>
        <source>Choose curves to diagnose.</source>
        <translation>请选择要诊断的曲线。</translation>
    </message>
    <message>
        <source>confidence {0:.2f}</source>
        <translation>置信度 {0:.2f}</translation>
    </message>
    <message>
        <source>Best epoch: {0} (the epoch early stopping would keep)</source>
        <translation>最好的 epoch：{0}（提前停止会保留的那个 epoch）</translation>
    </message>
    <message>
        <source>Also: {0}</source>
        <translation>另外：{0}</translation>
    </message>
    <message>
        <source>Curves: {0} · {1} epochs</source>
        <translation>曲线：{0} · {1} 个 epoch</translation>
    </message>
    <message>
        <source>Open the lesson</source>
        <translation>打开课程</translation>
    </message>
    <message>
        <source>it trained no epoch</source>
        <translation>它一个 epoch 也没有训练</translation>
    </message>
    <message>
        <source>k-fold ({0} folds): the mean validation loss is lowest at epoch {1} ({2:.3g} ± {3:.3g}).</source>
        <translation>k 折交叉验证（{0} 折）：平均验证损失在第 {1} 个 epoch 最低（{2:.3g} ± {3:.3g}）。</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <source>Example curves:</source>
        <translation>示例曲线：</translation>
    </message>
    <message>
        <source>Real curves made by the Network Lab&apos;s engine</source>
        <translation>由网络实验室的引擎训练出的真实曲线</translation>
    </message>
    <message>
        <source>Use the Network Lab&apos;s run</source>
        <translation>使用网络实验室的运行</translation>
    </message>
    <message>
        <source>Import curves…</source>
        <translation>导入曲线…</translation>
    </message>
    <message>
        <source>A CSV or JSON file with epoch, train_loss, val_loss (for example a homework log)</source>
        <translation>含 epoch、train_loss、val_loss 列的 CSV 或 JSON 文件（例如作业的训练日志）</translation>
    </message>
    <message>
        <source>Remedies from the notes</source>
        <translation>讲义中的对策</translation>
    </message>
</context>
<context>
    <name>DiagnoseWindow</name>
    <message>
        <source>&amp;Diagnose training…</source>
        <translation>诊断训练(&amp;D)…</translation>
    </message>
    <message>
        <source>Diagnose training — LossLab</source>
        <translation>诊断训练 — LossLab</translation>
    </message>
</context>
<context>
    <name>ExperimentRow</name>
    <message>
        <source>Run again</source>
        <translation>再运行一次</translation>
    </message>
    <message>
        <source>Run it</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Runs with the Network Lab&apos;s current settings</source>
        <translation>使用网络实验室当前的设置运行</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Training in the background…</source>
        <translation>正在后台训练…</translation>
    </message>
    <message>
        <source>This experiment failed: {0}</source>
        <translation>这个实验失败了：{0}</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
</context>
<context>
    <name>ExperimentsBox</name>
    <message>
        <source>Experiments the flowchart asks for</source>
        <translation>流程图要求的实验</translation>
    </message>
    <message>
        <source>Each runs in the background with the Network Lab&apos;s current settings, and the walk goes on with its result.</source>
        <translation>每个实验都在后台用网络实验室当前的设置运行，流程图会根据它的结果继续往下走。</translation>
    </message>
</context>
<context>
    <name>MarginalPlots</name>
    <message>
        <source>grid search</source>
        <translation>网格搜索</translation>
    </message>
    <message>
        <source>random search</source>
        <translation>随机搜索</translation>
    </message>
    <message>
        <source>best validation loss</source>
        <translation>最好的验证损失</translation>
    </message>
</context>
<context>
    <name>SearchMaps</name>
    <message>
        <source>Grid search: best validation loss</source>
        <translation>网格搜索：最好的验证损失</translation>
    </message>
    <message>
        <source>Random search: best validation loss</source>
        <translation>随机搜索：最好的验证损失</translation>
    </message>
</context>
<context>
    <name>TuningSetup</name>
    <message>
        <source>log scale (sampled log-uniform)</source>
        <translation>对数刻度（按对数均匀分布采样）</translation>
    </message>
    <message>
        <source>log scale, whole numbers</source>
        <translation>对数刻度，取整数</translation>
    </message>
    <message>
        <source>linear scale</source>
        <translation>线性刻度</translation>
    </message>
    <message>
        <source>Choose two different hyper-parameters.</source>
        <translation>请选择两个不同的超参数。</translation>
    </message>
    <message>
        <source>Grid search against random search</source>
        <translation>网格搜索对比随机搜索</translation>
    </message>
    <message>
        <source>Across:</source>
        <translation>横轴：</translation>
    </message>
    <message>
        <source>Up:</source>
        <translation>纵轴：</translation>
    </message>
    <message>
        <source>to</source>
        <translation>到</translation>
    </message>
    <message>
        <source>Grid values per axis:</source>
        <translation>网格每个轴的取值个数：</translation>
    </message>
    <message>
        <source>= {0} trials; the random search gets as many</source>
        <translation>= {0} 次试验；随机搜索也做同样多次</translation>
    </message>
    <message>
        <source>Epochs per trial:</source>
        <translation>每次试验的 epoch 数：</translation>
    </message>
    <message>
        <source>Seed:</source>
        <translation>随机种子：</translation>
    </message>
    <message>
        <source>The random search&apos;s draws (same seed, same trials)</source>
        <translation>随机搜索的抽样（相同的种子，相同的试验）</translation>
    </message>
    <message>
        <source>Run both searches</source>
        <translation>运行两种搜索</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>%v / %m trials</source>
        <translation>%v / %m 次试验</translation>
    </message>
</context>
<context>
    <name>LrRangeWindow</name>
    <message>
        <source>Learning-rate &amp;range test…</source>
        <translation>学习率范围测试(&amp;R)…</translation>
    </message>
    <message>
        <source>Find learning rate…</source>
        <translation>寻找学习率…</translation>
    </message>
    <message>
        <source>A short sweep on a copy of this network: the loss against an exponentially growing learning rate, and the rate to train with</source>
        <translation>在这个网络的副本上做一次短暂的扫描：损失随指数增长的学习率如何变化，以及该用哪个学习率来训练</translation>
    </message>
    <message>
        <source>steepest descent of the smoothed loss</source>
        <translation>平滑损失下降最陡处</translation>
    </message>
    <message>
        <source>the minimum&apos;s rate ÷ 10</source>
        <translation>最低点的学习率 ÷ 10</translation>
    </message>
    <message>
        <source>The Network Lab is not ready yet.</source>
        <translation>网络实验室还没有准备好。</translation>
    </message>
    <message>
        <source>On the Network Lab&apos;s task: the “{0}” data, hidden layers {1} ({2}), optimizer {3}, batch size {4}. The sweep trains a copy of the network from its initial weights, raising the learning rate exponentially at every update; the Network Lab&apos;s own model is not touched.</source>
        <translation>基于网络实验室当前的任务：“{0}”数据，隐藏层 {1}（{2}），优化器 {3}，批大小 {4}。扫描从初始权重出发训练网络的一个副本，每次更新都把学习率按指数增大；网络实验室自己的模型不受影响。</translation>
    </message>
    <message>
        <source>full batch</source>
        <translation>全批量</translation>
    </message>
    <message>
        <source>Cannot run the range test: {0}</source>
        <translation>无法运行范围测试：{0}</translation>
    </message>
    <message>
        <source>The range test failed: {0}</source>
        <translation>范围测试失败：{0}</translation>
    </message>
    <message>
        <source>Sweeping in the background… update {0} of {1}.</source>
        <translation>正在后台扫描……第 {0} 次更新，共 {1} 次。</translation>
    </message>
    <message>
        <source>Stopped after {0} of {1} updates: the loss blew up (the smoothed loss passed {2:g} times its minimum). {3:.1f} s.</source>
        <translation>在 {1} 次更新中的第 {0} 次后停止：损失爆炸了（平滑损失超过了其最小值的 {2:g} 倍）。用时 {3:.1f} 秒。</translation>
    </message>
    <message>
        <source>Done: {0} updates in {1:.1f} s.</source>
        <translation>完成：{0} 次更新，用时 {1:.1f} 秒。</translation>
    </message>
    <message>
        <source>Stopped after {0} of {1} updates.</source>
        <translation>在 {1} 次更新中的第 {0} 次后停止。</translation>
    </message>
    <message>
        <source>Run the sweep: {0} updates of a copy of the network, the learning rate growing exponentially from the first value to the second.</source>
        <translation>运行扫描：对网络的一个副本做 {0} 次更新，学习率从第一个值按指数增长到第二个值。</translation>
    </message>
    <message>
        <source>No suggestion: the smoothed loss never falls before its minimum. Widen the range or run more updates.</source>
        <translation>没有建议值：平滑损失在到达最小值之前从未下降。请扩大范围或增加更新次数。</translation>
    </message>
    <message>
        <source>{0}× below the minimum&apos;s rate</source>
        <translation>比最低点的学习率小 {0} 倍</translation>
    </message>
    <message>
        <source>Suggested learning rate: &lt;b&gt;{0}&lt;/b&gt; ({1}); the smoothed loss is lowest at {2}.</source>
        <translation>建议的学习率：&lt;b&gt;{0}&lt;/b&gt;（{1}）；平滑损失在 {2} 处最低。</translation>
    </message>
    <message>
        <source>The Network Lab&apos;s optimizer changed since the sweep: run it again.</source>
        <translation>扫描之后网络实验室的优化器已改变：请重新运行扫描。</translation>
    </message>
    <message>
        <source>The Network Lab kept its learning rate.</source>
        <translation>网络实验室保留了原来的学习率。</translation>
    </message>
    <message>
        <source>The Network Lab now trains with learning rate {0}.</source>
        <translation>网络实验室现在使用学习率 {0} 训练。</translation>
    </message>
    <message>
        <source>Learning-rate range test — LossLab</source>
        <translation>学习率范围测试 — LossLab</translation>
    </message>
    <message>
        <source>Learning rate from</source>
        <translation>学习率从</translation>
    </message>
    <message>
        <source>to</source>
        <translation>到</translation>
    </message>
    <message>
        <source>updates</source>
        <translation>次更新</translation>
    </message>
    <message>
        <source>How many updates the sweep takes (one minibatch each)</source>
        <translation>扫描进行多少次更新（每次一个小批量）</translation>
    </message>
    <message>
        <source>Run the sweep</source>
        <translation>运行扫描</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Suggest by</source>
        <translation>建议规则</translation>
    </message>
    <message>
        <source>Steepest descent: where the smoothed loss falls fastest against log(lr), before its minimum. Minimum ÷ 10: a step back from the edge where the loss blows up.</source>
        <translation>下降最陡处：在最小值之前，平滑损失随 log(lr) 下降最快的地方。最低点 ÷ 10：从损失爆炸的边缘退后一步。</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>Set the suggested rate as the Network Lab&apos;s learning rate</source>
        <translation>把建议值设为网络实验室的学习率</translation>
    </message>
</context>
<context>
    <name>LrRangePlot</name>
    <message>
        <source>learning rate (log scale)</source>
        <translation>学习率（对数刻度）</translation>
    </message>
    <message>
        <source>training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <source>each update&apos;s loss (raw)</source>
        <translation>每次更新的损失（原始）</translation>
    </message>
    <message>
        <source>smoothed</source>
        <translation>平滑后</translation>
    </message>
    <message>
        <source>suggested {0}</source>
        <translation>建议 {0}</translation>
    </message>
    <message>
        <source>minimum {0}</source>
        <translation>最低点 {0}</translation>
    </message>
</context>
<context>
    <name>TuningWindow</name>
    <message>
        <source>&amp;Tune hyper-parameters…</source>
        <translation>调整超参数(&amp;T)…</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>The Network Lab is not ready yet.</source>
        <translation>网络实验室还没有准备好。</translation>
    </message>
    <message>
        <source>On the Network Lab&apos;s task: the “{0}” data, hidden layers {1} ({2}), optimizer {3}; every trial starts from the same initial weights.</source>
        <translation>在网络实验室的任务上：“{0}”数据，隐藏层 {1}（{2}），优化器 {3}；每次试验都从相同的初始权重开始。</translation>
    </message>
    <message>
        <source>The search failed: {0}</source>
        <translation>搜索失败了：{0}</translation>
    </message>
    <message>
        <source>grid search</source>
        <translation>网格搜索</translation>
    </message>
    <message>
        <source>random search</source>
        <translation>随机搜索</translation>
    </message>
    <message>
        <source>Training the {0} in the background… {1:.0f}%</source>
        <translation>正在后台训练{0}… {1:.0f}%</translation>
    </message>
    <message>
        <source>Done: {0} trials in {1:.1f} s.</source>
        <translation>完成：{0} 次试验，用时 {1:.1f} 秒。</translation>
    </message>
    <message>
        <source>Stopped after {0} of {1} trials.</source>
        <translation>已停止：完成了 {1} 次试验中的 {0} 次。</translation>
    </message>
    <message>
        <source>Choose two hyper-parameters and their ranges, then run: both searches train the same number of networks.</source>
        <translation>选择两个超参数和它们的范围，然后运行：两种搜索训练同样多的网络。</translation>
    </message>
    <message>
        <source>{0}: {1} values</source>
        <translation>{0}：{1} 个取值</translation>
    </message>
    <message>
        <source>Best of the {0}: {1} → validation loss {2:.4g}</source>
        <translation>{0}中最好的：{1} → 验证损失 {2:.4g}</translation>
    </message>
    <message>
        <source>Distinct values tried: the grid search {0}; the random search {1}. With the same budget, random search tries more values of the parameter that matters.</source>
        <translation>试过的不同取值：网格搜索 {0}；随机搜索 {1}。预算相同时，随机搜索在真正重要的参数上试了更多的取值。</translation>
    </message>
    <message>
        <source>Trial {0} of the {1} ({2}) failed: {3}</source>
        <translation>{1}的第 {0} 次试验（{2}）失败了：{3}</translation>
    </message>
    <message>
        <source>The Network Lab&apos;s optimizer changed since the search: run it again.</source>
        <translation>搜索之后网络实验室的优化器变了：请重新运行搜索。</translation>
    </message>
    <message>
        <source>The Network Lab now trains with {0}.</source>
        <translation>网络实验室现在用 {0} 训练。</translation>
    </message>
    <message>
        <source>Could not export the trials: {0}</source>
        <translation>无法导出试验：{0}</translation>
    </message>
    <message>
        <source>Exported {0} trials to {1}.</source>
        <translation>已将 {0} 次试验导出到 {1}。</translation>
    </message>
    <message>
        <source>Export the trials</source>
        <translation>导出试验</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>Tune hyper-parameters — LossLab</source>
        <translation>调整超参数 — LossLab</translation>
    </message>
    <message>
        <source>Apply the best</source>
        <translation>应用最好的</translation>
    </message>
    <message>
        <source>Train the Network Lab with the best trial&apos;s hyper-parameters</source>
        <translation>用最好的那次试验的超参数训练网络实验室</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
</context>
<context>
    <name>DigitsView</name>
    <message>
        <source>confusion matrix on the validation set</source>
        <translation>验证集上的混淆矩阵</translation>
    </message>
    <message>
        <source>true digit</source>
        <translation>真实数字</translation>
    </message>
    <message>
        <source>predicted digit</source>
        <translation>预测数字</translation>
    </message>
    <message>
        <source>Row: the true digit, column: the network&apos;s guess; the diagonal is right. Below: validation digits as &apos;true → guess (confidence)&apos;, green right, red wrong.</source>
        <translation>行：真实数字，列：网络的猜测；对角线上是猜对的。下方：验证集中的数字，标为“真实 → 猜测（置信度）”，绿色为对，红色为错。</translation>
    </message>
</context>
<context>
    <name>Documents</name>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>The engine is still loading</source>
        <translation>引擎仍在加载</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <source>Do you want to save the changes to “{0}”?</source>
        <translation>是否保存对“{0}”的更改？</translation>
    </message>
    <message>
        <source>Your changes will be lost if you don&apos;t save them.</source>
        <translation>如果不保存，您的更改将会丢失。</translation>
    </message>
    <message>
        <source>cannot lock {0}</source>
        <translation>无法锁定 {0}</translation>
    </message>
    <message>
        <source>Autosave is off: LossLab cannot write to its data folder {0} ({1}). Everything else works; save your work with File &gt; Save.</source>
        <translation>自动保存已关闭：LossLab 无法写入其数据文件夹 {0}（{1}）。其他功能照常可用；请用“文件 &gt; 保存”保存您的工作。</translation>
    </message>
    <message>
        <source>&amp;New scene</source>
        <translation>新建场景(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Save scene</source>
        <translation>保存场景(&amp;S)</translation>
    </message>
    <message>
        <source>Open &amp;recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>Recover</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>丢弃</translation>
    </message>
    <message>
        <source>Untitled</source>
        <translation>未命名</translation>
    </message>
    <message>
        <source>(no recent scenes)</source>
        <translation>（没有最近打开的场景）</translation>
    </message>
    <message>
        <source>Clear the list</source>
        <translation>清空列表</translation>
    </message>
    <message>
        <source>Autosave failed: {0}</source>
        <translation>自动保存失败：{0}</translation>
    </message>
    <message>
        <source>LossLab did not close normally. Unsaved work from {0} can be recovered</source>
        <translation>LossLab 上次没有正常关闭。{0} 未保存的工作可以恢复</translation>
    </message>
    <message>
        <source> (changes to {0})</source>
        <translation>（对 {0} 的修改）</translation>
    </message>
</context>
<context>
    <name>EigenPanel</name>
    <message>
        <source>Follow the selected run</source>
        <translation>跟随选中的运行</translation>
    </message>
    <message>
        <source>Show the selected run&apos;s point at the timeline cursor.</source>
        <translation>显示选中运行在时间轴游标处的点。</translation>
    </message>
    <message>
        <source>A point is a critical point when ‖g‖ is below this.</source>
        <translation>当 ‖g‖ 小于此值时，该点视为临界点。</translation>
    </message>
    <message>
        <source>An eigenvalue with |λ| at or below this counts as zero (degenerate).</source>
        <translation>|λ| 不超过此值的特征值视为零（退化）。</translation>
    </message>
    <message>
        <source>How far the escape steps along the eigenvector.</source>
        <translation>逃离时沿特征向量迈出的距离。</translation>
    </message>
    <message>
        <source>critical if ‖g‖ &lt;</source>
        <translation>临界点条件 ‖g‖ &lt;</translation>
    </message>
    <message>
        <source>Escape the saddle</source>
        <translation>逃离鞍点</translation>
    </message>
    <message>
        <source>Step along the eigenvector of the negative eigenvalue, in the direction that lowers the loss more (notes: u is an eigenvector of H with λ &lt; 0, so L(θ′ + u) ≈ L(θ′) + ½λ‖u‖² &lt; L(θ′)).</source>
        <translation>沿负特征值对应的特征向量、朝损失下降更多的方向迈一步（讲义：u 是 H 的特征向量且 λ &lt; 0，所以 L(θ′ + u) ≈ L(θ′) + ½λ‖u‖² &lt; L(θ′)）。</translation>
    </message>
    <message>
        <source>step</source>
        <translation>步长</translation>
    </message>
    <message>
        <source>Find critical points</source>
        <translation>寻找临界点</translation>
    </message>
    <message>
        <source>Newton&apos;s method on the gradient from a grid of starting points; every point where it converges is marked on the map. Click one to inspect it.</source>
        <translation>从网格上的起点出发，对梯度使用牛顿法；每个收敛到的点都会标在地图上。点击一个点即可查看。</translation>
    </message>
    <message>
        <source>Click a point to inspect its Hessian.</source>
        <translation>点击一个点，查看它的海森矩阵。</translation>
    </message>
    <message>
        <source>Select a run, or Ctrl-click the map to inspect a point.</source>
        <translation>选择一个运行，或按住 Ctrl 点击地图来查看某一点。</translation>
    </message>
    <message>
        <source>{0}   (x, y) = ({1}, {2})   loss = {3}</source>
        <translation>{0}   (x, y) = ({1}, {2})   损失 = {3}</translation>
    </message>
    <message>
        <source>The loss fell by {0} ({1} → {2}); the Hessian predicted {3}. Moved {4} along v with λ = {5}.</source>
        <translation>损失下降了 {0}（{1} → {2}）；海森矩阵预测的下降量为 {3}。沿 λ = {5} 的 v 移动了 {4}。</translation>
    </message>
    <message>
        <source>λ is 0 if |λ| ≤</source>
        <translation>λ 视为 0 的条件 |λ| ≤</translation>
    </message>
    <message>
        <source>Critical points</source>
        <translation>临界点</translation>
    </message>
    <message>
        <source>searching…</source>
        <translation>正在搜索…</translation>
    </message>
    <message>
        <source>none in the window</source>
        <translation>窗口范围内没有</translation>
    </message>
    <message>
        <source>{0} found</source>
        <translation>找到 {0} 个</translation>
    </message>
    <message>
        <source>the loss curves up in every direction, like a bowl</source>
        <translation>损失在各个方向都向上弯，像一只碗</translation>
    </message>
    <message>
        <source>the loss curves down in every direction, like a hilltop</source>
        <translation>损失在各个方向都向下弯，像一座山顶</translation>
    </message>
    <message>
        <source>the loss curves up along one eigenvector, down along the other</source>
        <translation>损失沿一个特征向量向上弯，沿另一个向下弯</translation>
    </message>
    <message>
        <source>an eigenvalue is (within the tolerance) zero: flat in that direction</source>
        <translation>有一个特征值（在容差内）为零：该方向是平的</translation>
    </message>
    <message>
        <source>the loss or its derivatives are not finite here</source>
        <translation>此处的损失或其导数不是有限值</translation>
    </message>
    <message>
        <source>Both λ &gt; 0: the loss rises in every direction.</source>
        <translation>两个 λ 都大于 0：损失在各个方向都上升。</translation>
    </message>
    <message>
        <source>Both λ &lt; 0: the loss falls in every direction.</source>
        <translation>两个 λ 都小于 0：损失在各个方向都下降。</translation>
    </message>
    <message>
        <source>λ of both signs: not a minimum. Along the eigenvector of λ &lt; 0 the loss falls: try Escape.</source>
        <translation>λ 有正有负：不是极小值。沿 λ &lt; 0 的特征向量，损失会下降：试试“逃离鞍点”。</translation>
    </message>
    <message>
        <source>A λ is 0: the Hessian cannot tell, higher orders decide.</source>
        <translation>有一个 λ 为 0：海森矩阵无法判断，要看更高阶的导数。</translation>
    </message>
    <message>
        <source>A critical point: ‖g‖ is below the threshold. {0}</source>
        <translation>这是临界点：‖g‖ 低于阈值。{0}</translation>
    </message>
    <message>
        <source>Not a critical point</source>
        <translation>不是临界点</translation>
    </message>
    <message>
        <source>‖g‖ = {0} is above the threshold: descent still moves. Here {1}.</source>
        <translation>‖g‖ = {0} 高于阈值：梯度下降还会继续移动。此处{1}。</translation>
    </message>
</context>
<context>
    <name>Exports</name>
    <message>
        <source>&amp;Export</source>
        <translation>导出(&amp;E)</translation>
    </message>
    <message>
        <source>Frame size (pixels):</source>
        <translation>帧尺寸（像素）：</translation>
    </message>
    <message>
        <source>Current view as &amp;PNG…</source>
        <translation>当前视图导出为 &amp;PNG…</translation>
    </message>
    <message>
        <source>View and plots as PNG…</source>
        <translation>视图和曲线图导出为 PNG…</translation>
    </message>
    <message>
        <source>Whole window as PNG…</source>
        <translation>整个窗口导出为 PNG…</translation>
    </message>
    <message>
        <source>Current view as &amp;SVG…</source>
        <translation>当前视图导出为 &amp;SVG…</translation>
    </message>
    <message>
        <source>View and plots as SVG…</source>
        <translation>视图和曲线图导出为 SVG…</translation>
    </message>
    <message>
        <source>Whole window as SVG…</source>
        <translation>整个窗口导出为 SVG…</translation>
    </message>
    <message>
        <source>Animated &amp;GIF of the runs…</source>
        <translation>运行过程的 &amp;GIF 动画…</translation>
    </message>
    <message>
        <source>Run metrics as &amp;CSV…</source>
        <translation>运行指标导出为 &amp;CSV…</translation>
    </message>
    <message>
        <source>Rendering the GIF…</source>
        <translation>正在生成 GIF…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>The engine is still loading</source>
        <translation>计算引擎仍在加载</translation>
    </message>
    <message>
        <source>Export picture</source>
        <translation>导出图片</translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <source>Wrote {0} ({1} × {2})</source>
        <translation>已写入 {0}（{1} × {2}）</translation>
    </message>
    <message>
        <source>Export run metrics</source>
        <translation>导出运行指标</translation>
    </message>
    <message>
        <source>Wrote {0} ({1} rows)</source>
        <translation>已写入 {0}（{1} 行）</translation>
    </message>
    <message>
        <source>Export animated GIF</source>
        <translation>导出 GIF 动画</translation>
    </message>
    <message>
        <source>Wrote {0} ({1} frames)</source>
        <translation>已写入 {0}（{1} 帧）</translation>
    </message>
</context>
<context>
    <name>GifRecorder</name>
    <message>
        <source>GIF export cancelled</source>
        <translation>已取消 GIF 导出</translation>
    </message>
</context>
<context>
    <name>InternalsPlots</name>
    <message>
        <source>σ = √(second moment), per coordinate</source>
        <translation>σ = √(二阶矩)，按坐标分别显示</translation>
    </message>
    <message>
        <source>effective learning rate η/σ</source>
        <translation>有效学习率 η/σ</translation>
    </message>
    <message>
        <source>step</source>
        <translation>步</translation>
    </message>
    <message>
        <source>Solid: x, dashed: y. Adaptive optimizers divide each coordinate&apos;s step by σ: a small σ (a flat stretch) gives a big η/σ, hence the burst at a cliff.</source>
        <translation>实线：x，虚线：y。自适应优化器把每个坐标的步长除以 σ：σ 小（平坦地段）则 η/σ 大，因此到了悬崖处步长会“爆发”。</translation>
    </message>
    <message>
        <source>σ is what Adagrad, RMSprop, Adam and the lecture&apos;s RMS divide by. Optimizers without it (SGD, momentum) show their constant η in the right-hand plot.</source>
        <translation>σ 是 Adagrad、RMSprop、Adam 和讲义中的 RMS 所除的量。没有 σ 的优化器（SGD、动量）在右侧图中显示为恒定的 η。</translation>
    </message>
</context>
<context>
    <name>LandscapePanel</name>
    <message>
        <source>1D: from the initial to the current weights</source>
        <translation>一维：从初始权重到当前权重</translation>
    </message>
    <message>
        <source>2D slice around the current weights</source>
        <translation>当前权重周围的二维切片</translation>
    </message>
    <message>
        <source>± </source>
        <translation>± </translation>
    </message>
    <message>
        <source>How far along each filter-normalized direction (1 = the weights&apos; own size).</source>
        <translation>沿每个按滤波器归一化的方向走多远（1 = 权重本身的大小）。</translation>
    </message>
    <message>
        <source>Line: the training loss along (1−a)·θ_initial + a·θ_now. Map: the loss on a plane through the current weights (centre), along two random filter-normalized directions (Li et al., 2018).</source>
        <translation>曲线：沿 (1−a)·θ_initial + a·θ_now 的训练损失。图：过当前权重（中心）的平面上的损失，平面由两个按滤波器归一化的随机方向张成（Li 等，2018）。</translation>
    </message>
    <message>
        <source>loss along the line</source>
        <translation>沿直线的损失</translation>
    </message>
    <message>
        <source>training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <source>along direction 1</source>
        <translation>沿方向 1</translation>
    </message>
    <message>
        <source>along direction 2</source>
        <translation>沿方向 2</translation>
    </message>
</context>
<context>
    <name>LessonBrowser</name>
    <message>
        <source>Choose a lesson</source>
        <translation>选择一节课</translation>
    </message>
    <message>
        <source>Each lesson opens a prepared scene in the Surface Lab or the Network Lab; a guided lesson then goes beat by beat.</source>
        <translation>每节课都会在曲面实验室或网络实验室中打开一个准备好的场景；引导课随后一步一步地进行。</translation>
    </message>
    <message>
        <source>Runs: {0}</source>
        <translation>运行：{0}</translation>
    </message>
    <message>
        <source>Filter lessons…</source>
        <translation>筛选课程…</translation>
    </message>
    <message>
        <source>Open in the Surface Lab</source>
        <translation>在曲面实验室中打开</translation>
    </message>
    <message>
        <source>Open this lesson&apos;s scene (or double-click it)</source>
        <translation>打开这节课的场景（或双击它）</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>From the notes: {0}</source>
        <translation>讲义章节：{0}</translation>
    </message>
    <message>
        <source>Open in the Network Lab</source>
        <translation>在网络实验室中打开</translation>
    </message>
    <message>
        <source>Guided: {0} beats, {1} predictions</source>
        <translation>引导课：{0} 个环节，{1} 个预测</translation>
    </message>
    <message>
        <source>predictions held: {0} of {1}</source>
        <translation>预测正确：{0} / {1}</translation>
    </message>
</context>
<context>
    <name>ClassVote</name>
    <message>
        <source>Class vote</source>
        <translation>全班投票</translation>
    </message>
    <message>
        <source>Reveal</source>
        <translation>揭晓</translation>
    </message>
    <message>
        <source>Next beat</source>
        <translation>下一环节</translation>
    </message>
    <message>
        <source>Clear the counts</source>
        <translation>清零计数</translation>
    </message>
    <message>
        <source>Click: one more vote for this answer</source>
        <translation>点击：这个答案加一票</translation>
    </message>
    <message>
        <source>Watch the run…</source>
        <translation>看运行结果…</translation>
    </message>
    <message>
        <source>{0} votes ({1:.0f}%)</source>
        <translation>{0} 票（{1:.0f}%）</translation>
    </message>
</context>
<context>
    <name>LessonPlayer</name>
    <message>
        <source>◀ Back</source>
        <translation>◀ 上一环节</translation>
    </message>
    <message>
        <source>The beat before (Left)</source>
        <translation>上一环节（左方向键）</translation>
    </message>
    <message>
        <source>Next ▶</source>
        <translation>下一环节 ▶</translation>
    </message>
    <message>
        <source>The next beat (Right or Space)</source>
        <translation>下一环节（右方向键或空格）</translation>
    </message>
    <message>
        <source>Class vote…</source>
        <translation>全班投票…</translation>
    </message>
    <message>
        <source>Show the question to the class with big buttons and count the votes</source>
        <translation>用大按钮向全班展示问题并统计票数</translation>
    </message>
    <message>
        <source>Leave the guided lesson</source>
        <translation>退出引导课</translation>
    </message>
    <message>
        <source>(not saved: {0})</source>
        <translation>（未保存：{0}）</translation>
    </message>
    <message>
        <source>Beat {0} of {1}</source>
        <translation>环节 {0} / {1}</translation>
    </message>
    <message>
        <source>Reveal ▶</source>
        <translation>揭晓 ▶</translation>
    </message>
    <message>
        <source>Predict first: pick an answer, then watch.</source>
        <translation>先预测：选一个答案，再看结果。</translation>
    </message>
    <message>
        <source>Watch the run…</source>
        <translation>看运行结果…</translation>
    </message>
    <message>
        <source>The runs did not decide this question.</source>
        <translation>这些运行没能判定这个问题。</translation>
    </message>
    <message>
        <source>The answer: {0}. {1}</source>
        <translation>答案：{0}。{1}</translation>
    </message>
    <message>
        <source>✓ Your prediction held: {0}. {1}</source>
        <translation>✓ 预测正确：{0}。{1}</translation>
    </message>
    <message>
        <source>✗ Not this time: the answer is {0}. {1}</source>
        <translation>✗ 这次没猜中：答案是 {0}。{1}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>{0} was not saved: {1}</source>
        <translation>{0} 未保存：{1}</translation>
    </message>
    <message>
        <source>Saved {0}</source>
        <translation>已保存 {0}</translation>
    </message>
    <message>
        <source>Loading the engine (torch)…</source>
        <translation>正在加载计算引擎（torch）…</translation>
    </message>
    <message>
        <source>Surface Lab</source>
        <translation>曲面实验室</translation>
    </message>
    <message>
        <source>Lessons</source>
        <translation>课程</translation>
    </message>
    <message>
        <source>device: …</source>
        <translation>设备：…</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open scene…</source>
        <translation>打开场景(&amp;O)…</translation>
    </message>
    <message>
        <source>Save scene &amp;as…</source>
        <translation>场景另存为(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <source>Play / pause</source>
        <translation>播放 / 暂停</translation>
    </message>
    <message>
        <source>Step forward</source>
        <translation>前进一步</translation>
    </message>
    <message>
        <source>Step back</source>
        <translation>后退一步</translation>
    </message>
    <message>
        <source>Back to the start</source>
        <translation>回到开头</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;About LossLab</source>
        <translation>关于 LossLab(&amp;A)</translation>
    </message>
    <message>
        <source>device: {0}</source>
        <translation>设备：{0}</translation>
    </message>
    <message>
        <source>Data &amp;&amp; batches</source>
        <translation>数据与批次</translation>
    </message>
    <message>
        <source>Network Lab</source>
        <translation>网络实验室</translation>
    </message>
    <message>
        <source>Cannot open scene</source>
        <translation>无法打开场景</translation>
    </message>
    <message>
        <source>Open scene</source>
        <translation>打开场景</translation>
    </message>
    <message>
        <source>Scenes (*.json)</source>
        <translation>场景文件 (*.json)</translation>
    </message>
    <message>
        <source>Cannot save scene</source>
        <translation>无法保存场景</translation>
    </message>
    <message>
        <source>Save scene</source>
        <translation>保存场景</translation>
    </message>
    <message>
        <source>About LossLab</source>
        <translation>关于 LossLab</translation>
    </message>
    <message>
        <source>LossLab: see why neural-network training succeeds or fails.</source>
        <translation>LossLab：看清神经网络训练为什么成功、为什么失败。</translation>
    </message>
</context>
<context>
    <name>MapView</name>
    <message>
        <source>log10(loss − min + ε)</source>
        <translation>log10(损失 − 最小值 + ε)</translation>
    </message>
    <message>
        <source>ε: a small floor, so that the lowest loss has a colour too</source>
        <translation>ε：一个很小的下限，使最低的损失也有颜色</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>eigenvectors of H: &lt;span style=&apos;color:{0}&apos;&gt;━ λ &amp;gt; 0 curves up&lt;/span&gt;&amp;nbsp; &lt;span style=&apos;color:{1}&apos;&gt;━ λ &amp;lt; 0 curves down&lt;/span&gt;&amp;nbsp; (longer: larger |λ|)</source>
        <translation>H 的特征向量：&lt;span style=&apos;color:{0}&apos;&gt;━ λ &amp;gt; 0 向上弯&lt;/span&gt;&amp;nbsp; &lt;span style=&apos;color:{1}&apos;&gt;━ λ &amp;lt; 0 向下弯&lt;/span&gt;&amp;nbsp;（越长：|λ| 越大）</translation>
    </message>
    <message>
        <source>momentum</source>
        <translation>动量</translation>
    </message>
    <message>
        <source>actual step</source>
        <translation>实际步长</translation>
    </message>
</context>
<context>
    <name>MetricPlots</name>
    <message>
        <source>step</source>
        <translation>步</translation>
    </message>
    <message>
        <source>loss: {0}</source>
        <translation>损失：{0}</translation>
    </message>
    <message>
        <source>{0} (symmetric log axis: the loss goes below 0)</source>
        <translation>{0}（对称对数坐标轴：损失低于 0）</translation>
    </message>
    <message>
        <source>log scale (loss)</source>
        <translation>对数坐标（损失）</translation>
    </message>
    <message>
        <source>log scale (gradient)</source>
        <translation>对数坐标（梯度）</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>gradient norm ‖g‖</source>
        <translation>梯度范数 ‖g‖</translation>
    </message>
    <message>
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>sharpness λmax (Hessian)</source>
        <translation>尖锐度 λmax（海森矩阵）</translation>
    </message>
</context>
<context>
    <name>ModelForm</name>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>default</source>
        <translation>默认</translation>
    </message>
    <message>
        <source>small</source>
        <translation>小值</translation>
    </message>
    <message>
        <source>zeros</source>
        <translation>全零</translation>
    </message>
    <message>
        <source>Hidden layers (0: a linear model).</source>
        <translation>隐藏层数（0：线性模型）。</translation>
    </message>
    <message>
        <source>Units in each hidden layer.</source>
        <translation>每个隐藏层的单元数。</translation>
    </message>
    <message>
        <source>batch norm</source>
        <translation>批归一化</translation>
    </message>
    <message>
        <source>After each linear layer: normalize with the batch&apos;s mean and variance in training, with running averages in eval mode (the validation curves).</source>
        <translation>加在每个线性层之后：训练时用批次的均值和方差归一化，评估模式下（验证曲线）用滑动平均。</translation>
    </message>
    <message>
        <source>Inverted dropout: in training each hidden unit is off with probability p.</source>
        <translation>倒置丢弃法（inverted dropout）：训练时每个隐藏单元以概率 p 被关闭。</translation>
    </message>
    <message>
        <source>default: torch&apos;s · xavier: for tanh/sigmoid · kaiming: for ReLU · small: N(0, 0.01²) · zeros: every unit the same (symmetry never breaks)</source>
        <translation>默认：torch 的默认值 · xavier：适合 tanh/sigmoid · kaiming：适合 ReLU · 小值：N(0, 0.01²) · 全零：每个单元都一样（对称性永远无法打破）</translation>
    </message>
    <message>
        <source>cross-entropy</source>
        <translation>交叉熵</translation>
    </message>
    <message>
        <source>For classes, MSE compares the softmax probabilities with one-hot targets.</source>
        <translation>用于分类时，MSE（均方误差）比较的是 softmax 概率与 one-hot 目标。</translation>
    </message>
    <message>
        <source>layers</source>
        <translation>层数</translation>
    </message>
    <message>
        <source>× units</source>
        <translation>× 单元数</translation>
    </message>
    <message>
        <source>dropout p</source>
        <translation>丢弃率 p</translation>
    </message>
    <message>
        <source>activation</source>
        <translation>激活函数</translation>
    </message>
    <message>
        <source>initialization</source>
        <translation>初始化</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>MSE</source>
        <translation>均方误差</translation>
    </message>
</context>
<context>
    <name>NetworkLabPage</name>
    <message>
        <source>averaged model</source>
        <translation>平均模型</translation>
    </message>
    <message>
        <source>Show the weight-averaged model's predictions</source>
        <translation>显示权重平均模型的预测</translation>
    </message>
    <message>
        <source>Diagnose…</source>
        <translation>诊断…</translation>
    </message>
    <message>
        <source>Walk the notes' flowchart on this run: which case is it, and what helps?</source>
        <translation>按讲义的流程图诊断这次训练：属于哪种情况，怎样改进？</translation>
    </message>
    <message>
        <source>Update ratio</source>
        <translation>更新比</translation>
    </message>
    <message>
        <source>Noise scale</source>
        <translation>噪声尺度</translation>
    </message>
    <message>
        <source>Snapshots</source>
        <translation>快照集成</translation>
    </message>
    <message>
        <source>One-click experiments</source>
        <translation>一键实验</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Reset: new initial weights, epoch 0</source>
        <translation>重置：新的初始权重，回到 epoch 0</translation>
    </message>
    <message>
        <source>Train / pause (Space)</source>
        <translation>训练 / 暂停（空格）</translation>
    </message>
    <message>
        <source>+1 epoch</source>
        <translation>+1 个 epoch</translation>
    </message>
    <message>
        <source>Train one epoch, then pause</source>
        <translation>训练一个 epoch，然后暂停</translation>
    </message>
    <message>
        <source>Whose model the views show</source>
        <translation>视图显示哪一个模型</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Curvature</source>
        <translation>曲率</translation>
    </message>
    <message>
        <source>Landscape</source>
        <translation>损失地形</translation>
    </message>
    <message>
        <source>Rebuild the network?</source>
        <translation>重建网络？</translation>
    </message>
    <message>
        <source>This change builds a new network: the trained model will be lost.</source>
        <translation>这项更改会构建一个新网络：已训练的模型将丢失。</translation>
    </message>
    <message>
        <source>Keep training: undo the change and go on with the trained model.</source>
        <translation>继续训练：撤销更改，继续使用已训练的模型。</translation>
    </message>
    <message>
        <source>Rebuild</source>
        <translation>重建</translation>
    </message>
    <message>
        <source>Keep training</source>
        <translation>继续训练</translation>
    </message>
    <message>
        <source>batch norm needs batches of at least 2 samples</source>
        <translation>批归一化要求每个批次至少有 2 个样本</translation>
    </message>
    <message>
        <source>k-fold needs at least k samples</source>
        <translation>k 折交叉验证至少需要 k 个样本</translation>
    </message>
    <message>
        <source>{0} · {1} parameters</source>
        <translation>{0} · {1} 个参数</translation>
    </message>
    <message>
        <source>{0}: restored the weights of the best epoch {1}</source>
        <translation>{0}：已恢复最佳 epoch {1} 的权重</translation>
    </message>
    <message>
        <source>&lt;b&gt;What happened:&lt;/b&gt; </source>
        <translation>&lt;b&gt;发生了什么：&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Training diverged (the loss exploded): lower the learning rate.</source>
        <translation>训练发散了（损失爆炸式增长）：请降低学习率。</translation>
    </message>
    <message>
        <source>Added a class {0} point at ({1:.2f}, {2:.2f}); {3} added so far</source>
        <translation>在 ({1:.2f}, {2:.2f}) 处添加了一个类别 {0} 的点；目前共添加 {3} 个</translation>
    </message>
    <message>
        <source>batch-norm running averages (eval mode): </source>
        <translation>批归一化的滑动平均（评估模式）：</translation>
    </message>
    <message>
        <source>epoch 0</source>
        <translation>epoch 0</translation>
    </message>
    <message>
        <source>epoch {0}</source>
        <translation>epoch {0}</translation>
    </message>
    <message>
        <source> · train loss {0:.4g} · validation loss {1:.4g}</source>
        <translation> · 训练损失 {0:.4g} · 验证损失 {1:.4g}</translation>
    </message>
    <message>
        <source> · validation accuracy {0:.1%}</source>
        <translation> · 验证准确率 {0:.1%}</translation>
    </message>
    <message>
        <source> · stopped early</source>
        <translation> · 已早停</translation>
    </message>
    <message>
        <source> · best epoch {0} restored</source>
        <translation> · 已恢复最佳 epoch {0}</translation>
    </message>
    <message>
        <source>{0} folds · validation loss {1:.3g} ± {2:.3g} (mean ± 1 sd)</source>
        <translation>{0} 折 · 验证损失 {1:.3g} ± {2:.3g}（均值 ± 1 个标准差）</translation>
    </message>
</context>
<context>
    <name>RunEditor</name>
    <message>
        <source>SGD</source>
        <translation>SGD</translation>
    </message>
    <message>
        <source>Adagrad</source>
        <translation>Adagrad</translation>
    </message>
    <message>
        <source>RMSprop</source>
        <translation>RMSprop</translation>
    </message>
    <message>
        <source>Adam</source>
        <translation>Adam</translation>
    </message>
    <message>
        <source>AdamW</source>
        <translation>AdamW</translation>
    </message>
    <message>
        <source>L-BFGS</source>
        <translation>L-BFGS</translation>
    </message>
    <message>
        <source>Momentum (lecture: m ← λm − ηg)</source>
        <translation>动量（讲义：m ← λm − ηg）</translation>
    </message>
    <message>
        <source>EMA momentum (v ← βv + (1−β)g)</source>
        <translation>滑动平均动量（v ← βv + (1−β)g）</translation>
    </message>
    <message>
        <source>RMS (lecture σ)</source>
        <translation>RMS（讲义中的 σ）</translation>
    </message>
    <message>
        <source>Newton</source>
        <translation>牛顿法</translation>
    </message>
    <message>
        <source>SAM (sharpness-aware)</source>
        <translation>SAM（锐度感知最小化）</translation>
    </message>
    <message>
        <source>SAM&apos;s radius ρ: each step first climbs ρ along the gradient and descends with the gradient found there (0 = the base optimizer).</source>
        <translation>SAM 的半径 ρ：每一步先沿梯度方向上升 ρ，再用那里的梯度下降（0 = 基础优化器本身）。</translation>
    </message>
    <message>
        <source>The optimizer SAM wraps: it takes the step with the ascent point&apos;s gradient.</source>
        <translation>SAM 包装的优化器：它用上升点处的梯度走这一步。</translation>
    </message>
    <message>
        <source>Ascent radius ρ</source>
        <translation>上升半径 ρ</translation>
    </message>
    <message>
        <source>Base optimizer</source>
        <translation>基础优化器</translation>
    </message>
    <message>
        <source>Constant</source>
        <translation>恒定</translation>
    </message>
    <message>
        <source>Step decay</source>
        <translation>阶梯衰减</translation>
    </message>
    <message>
        <source>Exponential</source>
        <translation>指数衰减</translation>
    </message>
    <message>
        <source>Cosine</source>
        <translation>余弦衰减</translation>
    </message>
    <message>
        <source>Warm-up then …</source>
        <translation>预热，然后…</translation>
    </message>
    <message>
        <source>Cosine with restarts</source>
        <translation>带重启的余弦衰减</translation>
    </message>
    <message>
        <source>One-cycle</source>
        <translation>单周期（One-cycle）</translation>
    </message>
    <message>
        <source>Inverse square root</source>
        <translation>平方根倒数</translation>
    </message>
    <message>
        <source>Learning rate η: how far each step moves.</source>
        <translation>学习率 η：每一步移动多远。</translation>
    </message>
    <message>
        <source>How much of the previous movement is kept in each step (0 = none).</source>
        <translation>每一步保留多少上一步的移动（0 = 不保留）。</translation>
    </message>
    <message>
        <source>Scales down the new gradient added to the momentum buffer.</source>
        <translation>缩小加入动量缓冲区的新梯度。</translation>
    </message>
    <message>
        <source>Nesterov momentum: look ahead along the momentum before using the gradient.</source>
        <translation>Nesterov 动量：先沿动量方向向前看一步，再使用梯度。</translation>
    </message>
    <message>
        <source>Pulls the parameters towards 0 (L2 penalty) in every step.</source>
        <translation>每一步都把参数拉向 0（L2 正则）。</translation>
    </message>
    <message>
        <source>Decay rates of the running averages of the gradient (β₁) and of its square (β₂).</source>
        <translation>梯度（β₁）及其平方（β₂）的滑动平均的衰减率。</translation>
    </message>
    <message>
        <source>Small number added to the denominator so it never divides by zero.</source>
        <translation>加在分母上的小数，避免除以零。</translation>
    </message>
    <message>
        <source>Decay rate of the running average of the squared gradient.</source>
        <translation>梯度平方的滑动平均的衰减率。</translation>
    </message>
    <message>
        <source>AMSGrad: divide by the largest squared-gradient average seen so far.</source>
        <translation>AMSGrad：除以迄今为止最大的梯度平方平均值。</translation>
    </message>
    <message>
        <source>Correct the running averages for starting at zero (off: the lecture&apos;s Adam).</source>
        <translation>修正滑动平均从零开始带来的偏差（关闭：即讲义中的 Adam）。</translation>
    </message>
    <message>
        <source>Decay rate of the moving average of the gradients (0 = plain gradient descent).</source>
        <translation>梯度滑动平均的衰减率（0 = 普通梯度下降）。</translation>
    </message>
    <message>
        <source>Added to the Hessian&apos;s diagonal so that the Newton step stays finite.</source>
        <translation>加到海森矩阵对角线上，使牛顿步保持有限。</translation>
    </message>
    <message>
        <source>Divide by the gradient&apos;s variance instead of its raw second moment.</source>
        <translation>除以梯度的方差，而不是原始的二阶矩。</translation>
    </message>
    <message>
        <source>Shrinks the learning rate as lr / (1 + (t − 1) · lr_decay).</source>
        <translation>按 lr / (1 + (t − 1) · lr_decay) 缩小学习率。</translation>
    </message>
    <message>
        <source>Starting value of the sum of squared gradients.</source>
        <translation>梯度平方和的初始值。</translation>
    </message>
    <message>
        <source>Most inner iterations per optimizer step.</source>
        <translation>每个优化器步骤中内部迭代的最大次数。</translation>
    </message>
    <message>
        <source>Stop the inner iterations when the gradient is smaller than this.</source>
        <translation>梯度小于此值时停止内部迭代。</translation>
    </message>
    <message>
        <source>Stop the inner iterations when the loss or the step changes less than this.</source>
        <translation>损失或步长的变化小于此值时停止内部迭代。</translation>
    </message>
    <message>
        <source>How many past steps are remembered to estimate the curvature.</source>
        <translation>记住多少个过去的步骤来估计曲率。</translation>
    </message>
    <message>
        <source>Line search choosing the step length (&apos;none&apos;: always step by lr).</source>
        <translation>选择步长的线搜索（“无”：总是按 lr 迈步）。</translation>
    </message>
    <message>
        <source>Multiply the lr by gamma every this many steps (auto: a quarter of the run).</source>
        <translation>每隔这么多步把 lr 乘以 gamma（自动：运行长度的四分之一）。</translation>
    </message>
    <message>
        <source>Factor the learning rate is multiplied by.</source>
        <translation>学习率所乘的系数。</translation>
    </message>
    <message>
        <source>Steps from the full lr down to eta_min (auto: the whole run).</source>
        <translation>从完整的 lr 降到 eta_min 所用的步数（自动：整个运行）。</translation>
    </message>
    <message>
        <source>Lowest learning rate the cosine reaches.</source>
        <translation>余弦衰减所达到的最低学习率。</translation>
    </message>
    <message>
        <source>Steps of the warm-up (auto: a tenth of the run).</source>
        <translation>预热的步数（自动：运行长度的十分之一）。</translation>
    </message>
    <message>
        <source>The warm-up starts at this fraction of the learning rate.</source>
        <translation>预热从学习率的这一比例开始。</translation>
    </message>
    <message>
        <source>The schedule that follows the warm-up.</source>
        <translation>预热之后接着使用的调度。</translation>
    </message>
    <message>
        <source>Steps until the first restart (auto: a quarter of the run).</source>
        <translation>到第一次重启的步数（自动：运行长度的四分之一）。</translation>
    </message>
    <message>
        <source>Each period is this many times longer than the last.</source>
        <translation>每个周期是上一个周期的多少倍长。</translation>
    </message>
    <message>
        <source>Peak learning rate of the cycle (auto: the optimizer&apos;s lr).</source>
        <translation>周期中的最高学习率（自动：优化器的 lr）。</translation>
    </message>
    <message>
        <source>Length of the cycle; at least the run&apos;s steps (auto: the run).</source>
        <translation>周期的长度，至少等于运行的步数（自动：整个运行）。</translation>
    </message>
    <message>
        <source>Fraction of the cycle spent rising to max_lr.</source>
        <translation>周期中用于升到 max_lr 的比例。</translation>
    </message>
    <message>
        <source>Shape of the rise and fall: cosine or straight lines.</source>
        <translation>上升和下降的形状：余弦曲线或直线。</translation>
    </message>
    <message>
        <source>The cycle starts at max_lr / div_factor.</source>
        <translation>周期从 max_lr / div_factor 开始。</translation>
    </message>
    <message>
        <source>The cycle ends at max_lr / (div_factor · final_div_factor).</source>
        <translation>周期结束于 max_lr / (div_factor · final_div_factor)。</translation>
    </message>
    <message>
        <source>Also cycle the momentum (or β₁) opposite to the learning rate.</source>
        <translation>同时让动量（或 β₁）与学习率反向循环变化。</translation>
    </message>
    <message>
        <source>How many optimizer steps the run takes.</source>
        <translation>运行要走多少个优化器步骤。</translation>
    </message>
    <message>
        <source>auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>lr at step 0: {0} · peak: {1} · last: {2}</source>
        <translation>第 0 步的 lr：{0} · 最高：{1} · 最后：{2}</translation>
    </message>
    <message>
        <source>Stable below η = {0} ({1})</source>
        <translation>η 低于 {0} 时稳定（{1}）</translation>
    </message>
    <message>
        <source>η is above the stability limit {0} ({1}): the run diverges.</source>
        <translation>η 超过了稳定上限 {0}（{1}）：运行会发散。</translation>
    </message>
    <message>
        <source>Stable near the start below η = {0} ({1} there)</source>
        <translation>在起点附近，η 低于 {0} 时稳定（起点处的 {1}）</translation>
    </message>
    <message>
        <source>η is above the local limit {0} ({1} at the start): the run bounces away.</source>
        <translation>η 超过了局部上限 {0}（起点处的 {1}）：运行会被弹开。</translation>
    </message>
    <message>
        <source>This surface is a quadratic: its Hessian is the same everywhere, with largest eigenvalue λmax = {0}. Each gradient step multiplies the distance along that direction by (1 − ηλmax), so the run converges for η below the limit and diverges above it. Momentum β raises the limit to (2+2β)/λmax.</source>
        <translation>这个曲面是二次函数：各处的 Hessian 都相同，最大特征值 λmax = {0}。每一步梯度下降都把沿该方向的距离乘以 (1 − ηλmax)，所以 η 低于上限时运行收敛，高于上限时发散。动量 β 把上限提高到 (2+2β)/λmax。</translation>
    </message>
    <message>
        <source>λmax = {0} is the largest eigenvalue of the Hessian at the run&apos;s start point (as in the Hessian panel). This surface is not a quadratic, so the limit is local: above it the run cannot settle in the curvature around the start; elsewhere the curvature, and the limit, differ.</source>
        <translation>λmax = {0} 是运行起点处 Hessian 的最大特征值（与 Hessian 面板相同）。这个曲面不是二次函数，所以这个上限只在局部成立：超过它，运行无法停留在起点附近的弯曲里；在别处，曲率和上限都不同。</translation>
    </message>
    <message>
        <source>No curvature limit on η at the start (λmax = {0} ≤ 0).</source>
        <translation>起点处的曲率不限制 η（λmax = {0} ≤ 0）。</translation>
    </message>
    <message>
        <source>Optimizer</source>
        <translation>优化器</translation>
    </message>
    <message>
        <source>Learning-rate schedule</source>
        <translation>学习率调度</translation>
    </message>
    <message>
        <source>The optimizer this run uses.</source>
        <translation>这个运行所用的优化器。</translation>
    </message>
    <message>
        <source>How the learning rate changes over the run (the curve below).</source>
        <translation>学习率在运行过程中如何变化（见下方曲线）。</translation>
    </message>
    <message>
        <source>The learning rate at each step of the run.</source>
        <translation>运行中每一步的学习率。</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Momentum</source>
        <translation>动量</translation>
    </message>
    <message>
        <source>Momentum dampening</source>
        <translation>动量抑制</translation>
    </message>
    <message>
        <source>Weight decay</source>
        <translation>权重衰减</translation>
    </message>
    <message>
        <source>Nesterov look-ahead</source>
        <translation>Nesterov 前瞻</translation>
    </message>
    <message>
        <source>Learning-rate decay</source>
        <translation>学习率衰减</translation>
    </message>
    <message>
        <source>Initial sum of squares</source>
        <translation>平方和初值</translation>
    </message>
    <message>
        <source>Stability ε</source>
        <translation>稳定项 ε</translation>
    </message>
    <message>
        <source>Smoothing α</source>
        <translation>平滑系数 α</translation>
    </message>
    <message>
        <source>Centered</source>
        <translation>中心化</translation>
    </message>
    <message>
        <source>Averaging rates β₁, β₂</source>
        <translation>平均衰减率 β₁、β₂</translation>
    </message>
    <message>
        <source>AMSGrad variant</source>
        <translation>AMSGrad 变体</translation>
    </message>
    <message>
        <source>Bias correction</source>
        <translation>偏差修正</translation>
    </message>
    <message>
        <source>Inner iterations</source>
        <translation>内部迭代次数</translation>
    </message>
    <message>
        <source>Gradient tolerance</source>
        <translation>梯度容差</translation>
    </message>
    <message>
        <source>Change tolerance</source>
        <translation>变化容差</translation>
    </message>
    <message>
        <source>History length</source>
        <translation>历史长度</translation>
    </message>
    <message>
        <source>Line search</source>
        <translation>线搜索</translation>
    </message>
    <message>
        <source>Averaging rate β</source>
        <translation>平均衰减率 β</translation>
    </message>
    <message>
        <source>Hessian damping</source>
        <translation>Hessian 阻尼</translation>
    </message>
    <message>
        <source>Steps between decays</source>
        <translation>衰减间隔步数</translation>
    </message>
    <message>
        <source>Decay factor γ</source>
        <translation>衰减因子 γ</translation>
    </message>
    <message>
        <source>Cosine length</source>
        <translation>余弦周期长度</translation>
    </message>
    <message>
        <source>Lowest lr</source>
        <translation>最低学习率</translation>
    </message>
    <message>
        <source>Warm-up steps</source>
        <translation>预热步数</translation>
    </message>
    <message>
        <source>Starting fraction</source>
        <translation>起始比例</translation>
    </message>
    <message>
        <source>Followed by</source>
        <translation>随后接</translation>
    </message>
    <message>
        <source>First period</source>
        <translation>首个周期</translation>
    </message>
    <message>
        <source>Period growth</source>
        <translation>周期增长倍数</translation>
    </message>
    <message>
        <source>Peak lr</source>
        <translation>最高学习率</translation>
    </message>
    <message>
        <source>Cycle length</source>
        <translation>周期长度</translation>
    </message>
    <message>
        <source>Rising fraction</source>
        <translation>上升阶段比例</translation>
    </message>
    <message>
        <source>Curve shape</source>
        <translation>曲线形状</translation>
    </message>
    <message>
        <source>Starting divisor</source>
        <translation>起始除数</translation>
    </message>
    <message>
        <source>Final divisor</source>
        <translation>最终除数</translation>
    </message>
    <message>
        <source>Cycle the momentum</source>
        <translation>动量随周期变化</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
</context>
<context>
    <name>SurfaceLabPage</name>
    <message>
        <source>{0} failed: {1}</source>
        <translation>{0} 失败：{1}</translation>
    </message>
    <message>
        <source>Plots</source>
        <translation>图表</translation>
    </message>
    <message>
        <source>The one or two plots beside the map</source>
        <translation>地图旁显示的一到两个图表</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>gradient norm ‖g‖</source>
        <translation>梯度范数 ‖g‖</translation>
    </message>
    <message>
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>sharpness λmax (Hessian)</source>
        <translation>尖锐度 λmax（海森矩阵）</translation>
    </message>
    <message>
        <source>Map</source>
        <translation>地图</translation>
    </message>
    <message>
        <source>3D</source>
        <translation>3D</translation>
    </message>
    <message>
        <source>Metrics</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>Hessian</source>
        <translation>海森矩阵</translation>
    </message>
    <message>
        <source>σ and η/σ</source>
        <translation>σ 与 η/σ</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Duplicate</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Colour…</source>
        <translation>颜色…</translation>
    </message>
    <message>
        <source>start</source>
        <translation>起点</translation>
    </message>
    <message>
        <source>on change, continue from the current step</source>
        <translation>修改后从当前步继续</translation>
    </message>
    <message>
        <source>Off: a changed run restarts from its start. On: it keeps its past and goes on from the step under the cursor with the new settings (the optimizer&apos;s state starts afresh).</source>
        <translation>关闭：修改后的运行从起点重新开始。开启：保留已走过的路径，从游标所在的那一步起用新设置继续（优化器的状态重新开始）。</translation>
    </message>
    <message>
        <source>Click the map: move the start · Shift-click: new run · drag a marker</source>
        <translation>点击地图：移动起点 · Shift+点击：新建运行 · 拖动标记</translation>
    </message>
    <message>
        <source>Swarm</source>
        <translation>群体</translation>
    </message>
    <message>
        <source>grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>random</source>
        <translation>随机</translation>
    </message>
    <message>
        <source>Release a swarm with the selected optimizer</source>
        <translation>用选中的优化器释放一群点</translation>
    </message>
    <message>
        <source>points</source>
        <translation>点数</translation>
    </message>
    <message>
        <source>layout</source>
        <translation>分布</translation>
    </message>
    <message>
        <source>swarm ({0})</source>
        <translation>群体（{0}）</translation>
    </message>
    <message>
        <source>Run colour</source>
        <translation>运行的颜色</translation>
    </message>
    <message>
        <source>{0} points reached {1} different end points; {2} diverged.</source>
        <translation>{0} 个点到达了 {1} 个不同的终点；{2} 个发散。</translation>
    </message>
    <message>
        <source>After the escape:</source>
        <translation>逃离之后：</translation>
    </message>
    <message>
        <source>Clicked:</source>
        <translation>点击处：</translation>
    </message>
    <message>
        <source>Computing the Hessian at the clicked point…</source>
        <translation>正在计算点击处的海森矩阵…</translation>
    </message>
    <message>
        <source>{0}, step {1}:</source>
        <translation>{0}，第 {1} 步：</translation>
    </message>
    <message>
        <source>Computing the Hessian along {0}…</source>
        <translation>正在计算 {0} 沿途的海森矩阵…</translation>
    </message>
    <message>
        <source>Select a run, or Ctrl-click the map to inspect a point.</source>
        <translation>选择一个运行，或按住 Ctrl 点击地图来查看某一点。</translation>
    </message>
    <message>
        <source>Run not changed: {0}</source>
        <translation>运行未更改：{0}</translation>
    </message>
</context>
<context>
    <name>SurfacePicker</name>
    <message>
        <source>Data set (from the scene)</source>
        <translation>数据集（来自场景）</translation>
    </message>
    <message>
        <source>Bowls</source>
        <translation>碗形</translation>
    </message>
    <message>
        <source>Plates</source>
        <translation>板形</translation>
    </message>
    <message>
        <source>Valleys</source>
        <translation>山谷形</translation>
    </message>
    <message>
        <source>Many local minima</source>
        <translation>多个局部最小值</translation>
    </message>
    <message>
        <source>Steep ridges and drops</source>
        <translation>陡峭的山脊与落差</translation>
    </message>
    <message>
        <source>Surface</source>
        <translation>曲面</translation>
    </message>
    <message>
        <source>Formula…</source>
        <translation>公式…</translation>
    </message>
    <message>
        <source>Drawn…</source>
        <translation>手绘…</translation>
    </message>
    <message>
        <source>log colour scale</source>
        <translation>对数色标</translation>
    </message>
    <message>
        <source>Formula in x and y</source>
        <translation>关于 x 和 y 的公式</translation>
    </message>
    <message>
        <source>Draw</source>
        <translation>绘制</translation>
    </message>
    <message>
        <source>draw mode: drag raises, right-drag lowers</source>
        <translation>绘制模式：拖动抬高，右键拖动降低</translation>
    </message>
    <message>
        <source>brush radius</source>
        <translation>画笔半径</translation>
    </message>
    <message>
        <source>brush strength</source>
        <translation>画笔强度</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>重做</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Type any expression in x and y, e.g. x^2 - y^2 or sin(x)*cos(y).</source>
        <translation>输入任意关于 x 和 y 的表达式，例如 x^2 - y^2 或 sin(x)*cos(y)。</translation>
    </message>
    <message>
        <source>Drag on the map to raise the terrain, right-drag to dig.</source>
        <translation>在地图上拖动可抬高地形，右键拖动可挖低。</translation>
    </message>
    <message>
        <source>Type a formula, e.g. x^2 + 10*y^2</source>
        <translation>请输入公式，例如 x^2 + 10*y^2</translation>
    </message>
    <message>
        <source>column {0}: </source>
        <translation>第 {0} 列：</translation>
    </message>
</context>
<context>
    <name>SurfaceView3D</name>
    <message>
        <source>no Qt GUI application is running</source>
        <translation>没有正在运行的 Qt 图形界面程序</translation>
    </message>
    <message>
        <source>the Qt platform &apos;{0}&apos; has no OpenGL</source>
        <translation>Qt 平台“{0}”不支持 OpenGL</translation>
    </message>
    <message>
        <source>PyOpenGL could not be loaded: {0}</source>
        <translation>无法加载 PyOpenGL：{0}</translation>
    </message>
    <message>
        <source>no OpenGL context could be created</source>
        <translation>无法创建 OpenGL 上下文</translation>
    </message>
    <message>
        <source>OpenGL {0}.{1} is older than the 2.1 needed</source>
        <translation>OpenGL {0}.{1} 低于所需的 2.1 版本</translation>
    </message>
    <message>
        <source>OpenGL check failed: {0}</source>
        <translation>OpenGL 检查失败：{0}</translation>
    </message>
</context>
<context>
    <name>TimingView</name>
    <message>
        <source>Run the timing experiment</source>
        <translation>运行计时实验</translation>
    </message>
    <message>
        <source>Times one training update (forward, backward, SGD step) of a wide MLP on a synthetic dataset for each batch size. One epoch = ⌈N / batch size⌉ updates, so its time is the update time times that count. On a GPU the update time stays nearly flat as the batch grows (the examples are processed in parallel), so big batches finish an epoch much sooner.</source>
        <translation>对每种批次大小，测量一个宽 MLP 在合成数据集上完成一次训练更新（前向、反向、SGD 一步）所需的时间。一个 epoch = ⌈N / 批次大小⌉ 次更新，所以一个 epoch 的时间等于单次更新时间乘以这个次数。在 GPU 上，批次变大时单次更新的时间几乎不变（样本并行处理），所以大批次完成一个 epoch 要快得多。</translation>
    </message>
    <message>
        <source>time of one update</source>
        <translation>一次更新的时间</translation>
    </message>
    <message>
        <source>batch size</source>
        <translation>批次大小</translation>
    </message>
    <message>
        <source>time (log scale)</source>
        <translation>时间（对数坐标）</translation>
    </message>
    <message>
        <source>time of one epoch</source>
        <translation>一个 epoch 的时间</translation>
    </message>
    <message>
        <source>timing… (the first batch size includes warm-up)</source>
        <translation>计时中…（第一个批次大小包含预热时间）</translation>
    </message>
    <message>
        <source>{0}: batch {1}: one update {2:.3g} ms, one epoch {3:.3g} s</source>
        <translation>{0}：批次 {1}：一次更新 {2:.3g} 毫秒，一个 epoch {3:.3g} 秒</translation>
    </message>
    <message>
        <source>CPU, {0} thread(s)</source>
        <translation>CPU，{0} 个线程</translation>
    </message>
    <message>
        <source>{0}, N = {1} examples. From batch {2} to {3}: one update takes {4:.2g}× as long, one epoch {5:.2g}× as long.</source>
        <translation>{0}，N = {1} 个样本。批次从 {2} 增大到 {3}：一次更新的时间变为 {4:.2g} 倍，一个 epoch 的时间变为 {5:.2g} 倍。</translation>
    </message>
</context>
<context>
    <name>TrainingCurves</name>
    <message>
        <source>{0} model (validation)</source>
        <translation>{0} 模型（验证集）</translation>
    </message>
    <message>
        <source>One colour and dash per network; thin: training set, thick: validation set, both measured after each epoch. The gradient norm is the mean over the epoch's mini-batches.</source>
        <translation>每个网络一种颜色和线型；细线：训练集，粗线：验证集，均在每个 epoch 后测量。梯度范数是该 epoch 各小批次梯度范数的平均值。</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>gradient norm ‖g‖</source>
        <translation>梯度范数 ‖g‖</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>epoch</translation>
    </message>
    <message>
        <source>regression: no accuracy</source>
        <translation>回归任务：没有准确率</translation>
    </message>
    <message>
        <source>log scale (loss)</source>
        <translation>对数坐标（损失）</translation>
    </message>
    <message>
        <source>Dashed: training set, solid: validation set, both measured after each epoch in eval mode. The gradient norm is the mean over the epoch&apos;s mini-batches.</source>
        <translation>虚线：训练集，实线：验证集，都在每个 epoch 结束后以评估模式测量。梯度范数是该 epoch 内各小批次的平均值。</translation>
    </message>
    <message>
        <source>training</source>
        <translation>训练集</translation>
    </message>
    <message>
        <source>validation</source>
        <translation>验证集</translation>
    </message>
    <message>
        <source>validation: mean of the folds ± 1 sd</source>
        <translation>验证集：各折的平均值 ± 1 个标准差</translation>
    </message>
    <message>
        <source>{0} (training)</source>
        <translation>{0}（训练）</translation>
    </message>
    <message>
        <source>{0} (validation)</source>
        <translation>{0}（验证）</translation>
    </message>
    <message>
        <source>best epoch {0}</source>
        <translation>最佳 epoch {0}</translation>
    </message>
</context>
<context>
    <name>TrainingForm</name>
    <message>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>full batch</source>
        <translation>全批次</translation>
    </message>
    <message>
        <source>Examples per update; &apos;full batch&apos; uses the whole training set.</source>
        <translation>每次更新所用的样本数；“全批次”使用整个训练集。</translation>
    </message>
    <message>
        <source>early stopping, patience</source>
        <translation>早停，耐心值</translation>
    </message>
    <message>
        <source>restore best weights</source>
        <translation>恢复最佳权重</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>k-fold cross-validation: k trainings, each validated on another fold.</source>
        <translation>k 折交叉验证：训练 k 次，每次在不同的一折上验证。</translation>
    </message>
    <message>
        <source>also plot the mini-batch loss of every step</source>
        <translation>同时绘制每一步的小批次损失</translation>
    </message>
    <message>
        <source>Initial weights and the order of the batches.</source>
        <translation>决定初始权重和批次的顺序。</translation>
    </message>
    <message>
        <source>as fast as possible</source>
        <translation>尽可能快</translation>
    </message>
    <message>
        <source>100 epochs/s</source>
        <translation>每秒 100 个 epoch</translation>
    </message>
    <message>
        <source>20 epochs/s</source>
        <translation>每秒 20 个 epoch</translation>
    </message>
    <message>
        <source>5 epochs/s</source>
        <translation>每秒 5 个 epoch</translation>
    </message>
    <message>
        <source>batch size</source>
        <translation>批次大小</translation>
    </message>
    <message>
        <source>k-fold</source>
        <translation>k 折交叉验证</translation>
    </message>
    <message>
        <source>weights seed</source>
        <translation>权重种子</translation>
    </message>
    <message>
        <source>speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <source>epochs</source>
        <translation>epoch 数</translation>
    </message>
    <message>
        <source>How many epochs to train (one pass over the data each).</source>
        <translation>训练多少个 epoch（每个 epoch 遍历一遍数据）。</translation>
    </message>
</context>
<context>
    <name>Transport</name>
    <message>
        <source>Play / pause (Space)</source>
        <translation>播放 / 暂停（空格）</translation>
    </message>
    <message>
        <source>One step back (Left)</source>
        <translation>后退一步（←）</translation>
    </message>
    <message>
        <source>One step forward (Right)</source>
        <translation>前进一步（→）</translation>
    </message>
    <message>
        <source>Back to the start (R)</source>
        <translation>回到开头（R）</translation>
    </message>
    <message>
        <source> steps/s</source>
        <translation> 步/秒</translation>
    </message>
    <message>
        <source>Playback speed</source>
        <translation>播放速度</translation>
    </message>
    <message>
        <source>step {0} / {1}</source>
        <translation>第 {0} / {1} 步</translation>
    </message>
</context>
<context>
    <name>ViewMenu</name>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Presenter mode (large text and lines)</source>
        <translation>演示模式（大字体、粗线条）(&amp;P)</translation>
    </message>
    <message>
        <source>Larger fonts, thicker lines and markers for a projector</source>
        <translation>为投影仪放大字体，加粗线条和标记</translation>
    </message>
    <message>
        <source>&amp;Theme</source>
        <translation>主题(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Light</source>
        <translation>浅色(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Dark</source>
        <translation>深色(&amp;D)</translation>
    </message>
</context>
<context>
    <name>RaceBox</name>
    <message>
        <source>Race of networks</source>
        <translation>网络竞赛</translation>
    </message>
    <message>
        <source>name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>optimizer</source>
        <translation>优化器</translation>
    </message>
    <message>
        <source>lr</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>batch</source>
        <translation>批次</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Add a network with the training form's settings.</source>
        <translation>按训练表单的设置添加一个网络。</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Remove the selected network (else the last one).</source>
        <translation>移除选中的网络（未选中时移除最后一个）。</translation>
    </message>
    <message>
        <source>SGD vs Momentum vs Adam</source>
        <translation>SGD 对比 Momentum 对比 Adam</translation>
    </message>
    <message>
        <source>three learning rates</source>
        <translation>三种学习率</translation>
    </message>
    <message>
        <source>batch sizes 1 / 10 / full</source>
        <translation>批次大小 1 / 10 / 全批次</translation>
    </message>
    <message>
        <source>Use preset</source>
        <translation>使用预设</translation>
    </message>
    <message>
        <source>Replace the race with the chosen preset.</source>
        <translation>用所选预设替换当前竞赛。</translation>
    </message>
    <message>
        <source>full</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>{0} networks train at once from the same initial weights on the same data; the curves overlay them and the Model tab shows each one's decision boundary.</source>
        <translation>{0} 个网络从相同的初始权重出发，在相同的数据上同时训练；曲线叠加显示它们，“模型”页显示每个网络的决策边界。</translation>
    </message>
    <message>
        <source>Add {0} to {1} networks that differ in optimizer, learning rate or batch size (or use a preset): they train at once and race each other.</source>
        <translation>添加 {0} 到 {1} 个在优化器、学习率或批次大小上不同的网络（或使用预设）：它们同时训练，互相竞赛。</translation>
    </message>
    <message>
        <source>Momentum</source>
        <translation>动量</translation>
    </message>
    <message>
        <source>lr {0}</source>
        <translation>学习率 {0}</translation>
    </message>
    <message>
        <source>batch 1</source>
        <translation>批次 1</translation>
    </message>
    <message>
        <source>batch 10</source>
        <translation>批次 10</translation>
    </message>
    <message>
        <source>full batch</source>
        <translation>全批次</translation>
    </message>
    <message>
        <source>A race has at most {0} networks.</source>
        <translation>一场竞赛最多有 {0} 个网络。</translation>
    </message>
    <message>
        <source>A race trains without k-fold: turn it off.</source>
        <translation>竞赛不使用 k 折交叉验证：请将其关闭。</translation>
    </message>
    <message>
        <source>Each network of the race needs its own name.</source>
        <translation>竞赛中的每个网络都需要一个独有的名称。</translation>
    </message>
    <message>
        <source> · leader: {0} (validation loss {1:.4g})</source>
        <translation> · 领先：{0}（验证损失 {1:.4g}）</translation>
    </message>
    <message>
        <source> · {0} diverged</source>
        <translation> · {0} 个已发散</translation>
    </message>
</context>
<context>
    <name>RaceView</name>
    <message>
        <source>Each network of the race: its confusion matrix on the validation set (row: the true digit, column: its guess), titled with its validation accuracy.</source>
        <translation>竞赛中的每个网络：它在验证集上的混淆矩阵（行：真实数字，列：它的猜测），标题为它的验证准确率。</translation>
    </message>
    <message>
        <source>Each network of the race: its fitted curve over the training points (in its colour and dash), titled with its validation loss after the latest epoch.</source>
        <translation>竞赛中的每个网络：它在训练点上拟合出的曲线（使用该网络的颜色和线型），标题为最近一个 epoch 后的验证损失。</translation>
    </message>
    <message>
        <source>Each network of the race: its decision boundary (line in its colour and dash), titled with its validation accuracy after the latest epoch.</source>
        <translation>竞赛中的每个网络：它的决策边界（线条使用该网络的颜色和线型），标题为最近一个 epoch 后的验证准确率。</translation>
    </message>
    <message>
        <source>validation {0:.1%}</source>
        <translation>验证 {0:.1%}</translation>
    </message>
    <message>
        <source>validation loss {0:.3g}</source>
        <translation>验证损失 {0:.3g}</translation>
    </message>
    <message>
        <source>diverged</source>
        <translation>已发散</translation>
    </message>
</context>
<context>
    <name>NoiseScalePanel</name>
    <message>
        <source>gradient noise scale</source>
        <translation>梯度噪声尺度</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>epoch</translation>
    </message>
    <message>
        <source>B_simple = tr(Σ)/|G|², from each training example&apos;s gradient (torch.func), measured while this tab shows; the dashed line is the batch size in use.</source>
        <translation>B_simple = tr(Σ)/|G|²，由每个训练样本的梯度（torch.func）算出，只在显示本页时测量；虚线是当前使用的批次大小。</translation>
    </message>
    <message>
        <source>Recorded for a single network only, not for races, k-fold or experiments.</source>
        <translation>只为单个网络记录，竞赛、k 折交叉验证和实验不记录。</translation>
    </message>
    <message>
        <source>far below B_simple: each update&apos;s gradient is mostly noise; doubling the batch would nearly halve the updates needed</source>
        <translation>远小于 B_simple：每次更新的梯度大多是噪声；批次加倍，所需的更新次数几乎减半</translation>
    </message>
    <message>
        <source>far above B_simple: a larger batch mostly wastes examples; a smaller one would need about as many updates</source>
        <translation>远大于 B_simple：更大的批次多半是在浪费样本；更小的批次所需的更新次数也差不多</translation>
    </message>
    <message>
        <source>batch size {0}</source>
        <translation>批次大小 {0}</translation>
    </message>
    <message>
        <source>near B_simple: about the most efficient batch size</source>
        <translation>接近 B_simple：差不多是最高效的批次大小</translation>
    </message>
    <message>
        <source>B_simple = {0} at epoch {1}; batch size in use: {2}, {3}.</source>
        <translation>第 {1} 个 epoch 时 B_simple = {0}；当前批次大小：{2}，{3}。</translation>
    </message>
</context>
<context>
    <name>RatioPanel</name>
    <message>
        <source>update/weight ratio</source>
        <translation>更新/权重比</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>epoch</translation>
    </message>
    <message>
        <source>about 1e-3 is healthy (band: 1e-4 to 1e-2)</source>
        <translation>约 1e-3 为正常（阴影带：1e-4 到 1e-2）</translation>
    </message>
    <message>
        <source>Mean over each epoch's updates. The shaded band (1e-4 to 1e-2) is healthy, about 1e-3 best: below, a layer hardly learns; above, each update rewrites it.</source>
        <translation>每个 epoch 内各次更新的平均值。阴影带（1e-4 到 1e-2）为正常，约 1e-3 最好：低于它，这一层几乎不学习；高于它，每次更新都改写这一层。</translation>
    </message>
    <message>
        <source>Recorded for a single network only, not for races, k-fold or experiments.</source>
        <translation>只对单个网络记录，比赛、k 折交叉验证和实验不记录。</translation>
    </message>
</context>
<context>
    <name>SnapshotPanel</name>
    <message>
        <source>validation loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <source>validation accuracy</source>
        <translation>验证准确率</translation>
    </message>
    <message>
        <source>snapshot ensemble</source>
        <translation>快照集成</translation>
    </message>
    <message>
        <source>cycle</source>
        <translation>周期</translation>
    </message>
    <message>
        <source>ensemble of the snapshots so far</source>
        <translation>目前所有快照的集成</translation>
    </message>
    <message>
        <source>single latest model</source>
        <translation>最新的单个模型</translation>
    </message>
    <message>
        <source>Turn on snapshot ensembles in the Training form: the learning rate restarts (cosine warm restarts) and the model at the end of each cycle is a snapshot.</source>
        <translation>在“训练”设置中打开快照集成：学习率周期性重启（余弦热重启），每个周期结束时的模型是一个快照。</translation>
    </message>
    <message>
        <source>After each cycle: the mean prediction of all snapshots so far against the latest snapshot alone, on the validation set. The learning-rate curve shows the restarts.</source>
        <translation>每个周期之后：在验证集上比较目前所有快照的平均预测与最新的单个快照。学习率曲线显示重启。</translation>
    </message>
    <message>
        <source>Recorded for a single network only, not for races, k-fold or experiments.</source>
        <translation>只对单个网络记录，比赛、k 折交叉验证和实验不记录。</translation>
    </message>
    <message>
        <source>cycle {0}: ensemble of {1} loss {2:.4g}, single model {3:.4g}</source>
        <translation>第 {0} 周期：{1} 个快照的集成损失 {2:.4g}，单个模型 {3:.4g}</translation>
    </message>
    <message>
        <source>cycle {0}: ensemble of {1} {2:.1%}, single model {3:.1%}</source>
        <translation>第 {0} 周期：{1} 个快照的集成 {2:.1%}，单个模型 {3:.1%}</translation>
    </message>
</context>
<context>
    <name>EnsembleFields</name>
    <message>
        <source>weight averaging</source>
        <translation>权重平均</translation>
    </message>
    <message>
        <source>snapshot ensemble</source>
        <translation>快照集成</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关</translation>
    </message>
    <message>
        <source>SWA</source>
        <translation>SWA</translation>
    </message>
    <message>
        <source>EMA</source>
        <translation>EMA</translation>
    </message>
    <message>
        <source>Average the weights along the run (torch.optim.swa_utils): SWA, the mean of each epoch's weights from an epoch on; EMA, an exponential moving average after every update. Its validation loss is drawn as its own curve.</source>
        <translation>沿训练过程平均权重（torch.optim.swa_utils）：SWA 从某个 epoch 起取每个 epoch 末权重的平均；EMA 在每次更新后做指数滑动平均。平均模型的验证损失单独画成一条曲线。</translation>
    </message>
    <message>
        <source>from epoch</source>
        <translation>起始 epoch</translation>
    </message>
    <message>
        <source>EMA decay</source>
        <translation>EMA 衰减</translation>
    </message>
    <message>
        <source>Train in cycles of warm restarts (cosine learning rate) and keep the model at the end of each cycle: the ensemble of these snapshots against the latest alone.</source>
        <translation>以热重启的周期训练（余弦学习率），保留每个周期结束时的模型：比较这些快照的集成与最新的单个模型。</translation>
    </message>
    <message>
        <source>cycles</source>
        <translation>周期数</translation>
    </message>
    <message>
        <source>cycle (epochs)</source>
        <translation>周期长度（epoch）</translation>
    </message>
</context>
<context>
    <name>StabilityPlots</name>
    <message>
        <source>No spectrum: over 2,000 weights the sharpness comes from Lanczos</source>
        <translation>没有谱：超过 2,000 个权重时，尖锐度由 Lanczos 方法求得</translation>
    </message>
    <message>
        <source>Sharpness and its threshold (dashed)</source>
        <translation>尖锐度及其阈值（虚线）</translation>
    </message>
    <message>
        <source>λ_max (Adam: preconditioned)</source>
        <translation>λ_max（Adam：预条件后）</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>epoch</translation>
    </message>
    <message>
        <source>Training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <source>training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <source>Hessian spectrum: colour log₁₀(1 + count)</source>
        <translation>海森矩阵谱：颜色为 log₁₀(1 + 个数)</translation>
    </message>
    <message>
        <source>eigenvalue</source>
        <translation>特征值</translation>
    </message>
    <message>
        <source>Negative eigenvalues</source>
        <translation>负特征值</translation>
    </message>
    <message>
        <source>count</source>
        <translation>个数</translation>
    </message>
    <message>
        <source>{0}: threshold</source>
        <translation>{0}：阈值</translation>
    </message>
    <message>
        <source>{0}: validation</source>
        <translation>{0}：验证</translation>
    </message>
    <message>
        <source>{0}: training</source>
        <translation>{0}：训练</translation>
    </message>
    <message>
        <source>Sharpness (SGD&apos;s 2/η dashed)</source>
        <translation>尖锐度（虚线：SGD 的 2/η）</translation>
    </message>
    <message>
        <source>λ_max</source>
        <translation>λ_max</translation>
    </message>
    <message>
        <source>Validation loss (solid) and training loss (dotted)</source>
        <translation>验证损失（实线）与训练损失（点线）</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
</context>
<context>
    <name>StabilityWindow</name>
    <message>
        <source>&amp;Edge of stability…</source>
        <translation>稳定性边缘(&amp;E)…</translation>
    </message>
    <message>
        <source>GD, your learning rate</source>
        <translation>GD，你的学习率</translation>
    </message>
    <message>
        <source>GD, edge learning rate</source>
        <translation>GD，边缘学习率</translation>
    </message>
    <message>
        <source>Minibatch SGD</source>
        <translation>小批次 SGD</translation>
    </message>
    <message>
        <source>Adam (full batch)</source>
        <translation>Adam（全批次）</translation>
    </message>
    <message>
        <source>The Network Lab is not ready yet.</source>
        <translation>网络实验室还没有准备好。</translation>
    </message>
    <message>
        <source>On the Network Lab&apos;s task: the “{0}” data, hidden layers {1} ({2}), your learning rate {3:.3g} ({4}); all four start from the same initial weights.</source>
        <translation>使用网络实验室的任务：“{0}”数据，隐藏层 {1}（{2}），你的学习率 {3:.3g}（{4}）；四种配置都从同样的初始权重出发。</translation>
    </message>
    <message>
        <source>Training the four configurations in the background… {0} of {1}</source>
        <translation>正在后台训练四种配置… {0} / {1}</translation>
    </message>
    <message>
        <source>Done in {0:.1f} s.</source>
        <translation>完成，用时 {0:.1f} 秒。</translation>
    </message>
    <message>
        <source>Every configuration failed: see the table.</source>
        <translation>所有配置都失败了：见表格。</translation>
    </message>
    <message>
        <source>Stopped: the epochs measured so far stay.</source>
        <translation>已停止：已经测量的 epoch 保留。</translation>
    </message>
    <message>
        <source>Run to train the Network Lab&apos;s task four ways from the same weights and measure the Hessian every few epochs.</source>
        <translation>点“运行”，从同样的权重出发用四种方式训练网络实验室的任务，并每隔几个 epoch 测量一次海森矩阵。</translation>
    </message>
    <message>
        <source>38/η = {0:.4g} (preconditioned)</source>
        <translation>38/η = {0:.4g}（预条件后）</translation>
    </message>
    <message>
        <source>2/η = {0:.4g}</source>
        <translation>2/η = {0:.4g}</translation>
    </message>
    <message>
        <source>failed: {0}</source>
        <translation>失败：{0}</translation>
    </message>
    <message>
        <source>exact Hessian</source>
        <translation>精确海森矩阵</translation>
    </message>
    <message>
        <source>Lanczos (no spectrum beyond 2,000 weights)</source>
        <translation>Lanczos（超过 2,000 个权重时不画谱）</translation>
    </message>
    <message>
        <source>diverged at epoch {0}</source>
        <translation>在第 {0} 个 epoch 发散</translation>
    </message>
    <message>
        <source>done: {0} epochs, {1}</source>
        <translation>完成：{0} 个 epoch，{1}</translation>
    </message>
    <message>
        <source>stopped at epoch {0}</source>
        <translation>停在第 {0} 个 epoch</translation>
    </message>
    <message>
        <source>starting…</source>
        <translation>正在开始…</translation>
    </message>
    <message>
        <source>epoch {0} of {1}, {2}</source>
        <translation>第 {0} / {1} 个 epoch，{2}</translation>
    </message>
    <message>
        <source>Edge of stability — LossLab</source>
        <translation>稳定性边缘 — LossLab</translation>
    </message>
    <message>
        <source>Epochs</source>
        <translation>Epoch 数</translation>
    </message>
    <message>
        <source>Hessian every</source>
        <translation>海森矩阵间隔</translation>
    </message>
    <message>
        <source> epochs</source>
        <translation> 个 epoch</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Spectrum of:</source>
        <translation>谱所属配置：</translation>
    </message>
    <message>
        <source>Configuration</source>
        <translation>配置</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Threshold</source>
        <translation>阈值</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>&lt;b&gt;Sharpness&lt;/b&gt; is the largest eigenvalue of the Hessian of the training loss. Gradient descent with learning rate η is stable on a quadratic only while the sharpness stays below 2/η (the dashed line of its colour). On a network, full-batch GD first sharpens (&lt;b&gt;progressive sharpening&lt;/b&gt;) until the sharpness reaches 2/η, then hovers there while the loss keeps falling, but no longer monotonically: the &lt;b&gt;edge of stability&lt;/b&gt;. For Adam the curve is the &lt;b&gt;preconditioned&lt;/b&gt; sharpness λ&lt;sub&gt;max&lt;/sub&gt;(D&lt;sup&gt;-1/2&lt;/sup&gt; H D&lt;sup&gt;-1/2&lt;/sup&gt;) and its line (2 + 2β&lt;sub&gt;1&lt;/sub&gt;)/((1 − β&lt;sub&gt;1&lt;/sub&gt;)η) = 38/η. Minibatch SGD&apos;s sharpness (on the whole training set) usually stays below its 2/η. The heat map counts the Hessian&apos;s eigenvalues per epoch; the curve beside it counts the negative ones.</source>
        <translation>&lt;b&gt;尖锐度&lt;/b&gt;是训练损失的海森矩阵的最大特征值。在二次函数上，学习率为 η 的梯度下降只有在尖锐度低于 2/η（同色虚线）时才稳定。在神经网络上，全批次 GD 先让尖锐度不断上升（&lt;b&gt;渐进锐化&lt;/b&gt;），直到它达到 2/η，然后就停在那附近，而损失继续下降，只是不再单调：这就是&lt;b&gt;稳定性边缘&lt;/b&gt;。对 Adam，曲线画的是&lt;b&gt;预条件后&lt;/b&gt;的尖锐度 λ&lt;sub&gt;max&lt;/sub&gt;(D&lt;sup&gt;-1/2&lt;/sup&gt; H D&lt;sup&gt;-1/2&lt;/sup&gt;)，它的线是 (2 + 2β&lt;sub&gt;1&lt;/sub&gt;)/((1 − β&lt;sub&gt;1&lt;/sub&gt;)η) = 38/η。小批次 SGD 的尖锐度（在整个训练集上测量）通常停在它的 2/η 之下。热图统计每个 epoch 海森矩阵特征值的分布；旁边的曲线统计负特征值的个数。</translation>
    </message>
    <message>
        <source>SAM (sharpness-aware)</source>
        <translation>SAM（锐度感知最小化）</translation>
    </message>
    <message>
        <source>Edge of stability (GD at two rates, SGD, Adam)</source>
        <translation>稳定性边缘（两种学习率的 GD、SGD、Adam）</translation>
    </message>
    <message>
        <source>SGD</source>
        <translation>SGD</translation>
    </message>
    <message>
        <source>SAM</source>
        <translation>SAM</translation>
    </message>
    <message>
        <source>SAM against SGD</source>
        <translation>SAM 对比 SGD</translation>
    </message>
    <message>
        <source>On the Network Lab&apos;s task: the “{0}” data, hidden layers {1} ({2}); minibatch SGD and SAM with learning rate {3:.3g}, momentum {4:.3g} and batches of {5} (the Network Lab&apos;s when it trains with SGD), from the same initial weights and in the same batch order.</source>
        <translation>使用网络实验室的任务：“{0}”数据，隐藏层 {1}（{2}）；小批次 SGD 和 SAM 使用学习率 {3:.3g}、动量 {4:.3g}、每批 {5} 个样本（网络实验室用 SGD 训练时取它的设置），从同样的初始权重出发，按同样的批次顺序训练。</translation>
    </message>
    <message>
        <source>Training SGD and SAM in the background… {0} of {1}</source>
        <translation>正在后台训练 SGD 和 SAM… {0} / {1}</translation>
    </message>
    <message>
        <source>Run to train the Network Lab&apos;s task with minibatch SGD and with SAM from the same weights and measure the Hessian every few epochs.</source>
        <translation>点“运行”，从同样的权重出发分别用小批次 SGD 和 SAM 训练网络实验室的任务，并每隔几个 epoch 测量一次海森矩阵。</translation>
    </message>
    <message>
        <source>(2 + 2β)/η = {0:.4g}</source>
        <translation>(2 + 2β)/η = {0:.4g}</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>比较</translation>
    </message>
    <message>
        <source>SAM radius ρ</source>
        <translation>SAM 半径 ρ</translation>
    </message>
    <message>
        <source>&lt;b&gt;SAM&lt;/b&gt; (sharpness-aware minimization, Foret et al. 2021) looks for weights whose whole neighbourhood has a low loss. Each step first climbs to the (to first order) worst nearby point w + e, with e = ρ·g/‖g‖ (g: the minibatch gradient, ρ: the radius), takes the gradient &lt;i&gt;there&lt;/i&gt;, and applies it to w with plain SGD. A sharp minimum keeps a large gradient at w + e and is left; a flat one is not. Both runs share the learning rate, batches and initial weights, so the only difference is the ascent. Expect SAM to end &lt;b&gt;flatter&lt;/b&gt; (a lower sharpness λ&lt;sub&gt;max&lt;/sub&gt;) at a similar training loss, often with a validation loss as low or lower; each SAM step costs two gradients.</source>
        <translation>&lt;b&gt;SAM&lt;/b&gt;（锐度感知最小化，Foret 等人 2021）寻找整个邻域损失都低的权重。每一步先爬到附近（一阶近似下）最坏的点 w + e，其中 e = ρ·g/‖g‖（g：小批次梯度，ρ：半径），在&lt;i&gt;那里&lt;/i&gt;取梯度，再用普通 SGD 把它用在 w 上。尖锐的极小值在 w + e 处梯度仍然很大，于是被离开；平坦的极小值则不会。两次训练的学习率、批次和初始权重都相同，唯一的区别就是这一步上爬。预期 SAM 最后更&lt;b&gt;平坦&lt;/b&gt;（尖锐度 λ&lt;sub&gt;max&lt;/sub&gt; 更低），训练损失相近，验证损失常常一样低或更低；SAM 每一步要算两次梯度。</translation>
    </message>
</context>
<context>
    <name>DoubleDescentWindow</name>
    <message>
        <source>&amp;Double descent…</source>
        <translation>双下降(&amp;D)…</translation>
    </message>
    <message>
        <source>The sweep failed: {0}</source>
        <translation>扫描失败：{0}</translation>
    </message>
    <message>
        <source>interpolation threshold p = n = {0}</source>
        <translation>插值阈值 p = n = {0}</translation>
    </message>
    <message>
        <source>Sweeping the widths in the background… {0} of {1}</source>
        <translation>正在后台扫描宽度… {0} / {1}</translation>
    </message>
    <message>
        <source>Done: {0} widths. The test error is highest at width {1} ({2:.3g}); the threshold is at width {3}.</source>
        <translation>完成：{0} 个宽度。测试误差在宽度 {1} 处最高（{2:.3g}）；阈值在宽度 {3}。</translation>
    </message>
    <message>
        <source>Stopped after {0} of {1} widths.</source>
        <translation>已停止：完成 {0} / {1} 个宽度。</translation>
    </message>
    <message>
        <source>Press Run to sweep the widths.</source>
        <translation>点击“运行”扫描各个宽度。</translation>
    </message>
    <message>
        <source>Double descent — LossLab</source>
        <translation>双下降 — LossLab</translation>
    </message>
    <message>
        <source>Training points:</source>
        <translation>训练点数：</translation>
    </message>
    <message>
        <source>Label noise:</source>
        <translation>标签噪声：</translation>
    </message>
    <message>
        <source>Seeds:</source>
        <translation>随机种子数：</translation>
    </message>
    <message>
        <source>Largest width:</source>
        <translation>最大宽度：</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>width p (random features = fitted parameters)</source>
        <translation>宽度 p（随机特征数 = 拟合的参数数）</translation>
    </message>
    <message>
        <source>mean squared error</source>
        <translation>均方误差</translation>
    </message>
    <message>
        <source>test error</source>
        <translation>测试误差</translation>
    </message>
    <message>
        <source>training error</source>
        <translation>训练误差</translation>
    </message>
    <message>
        <source>What is swept: the width p of a random-features model, y ≈ Σ aⱼ relu(wⱼ·x), with the wⱼ drawn at random and frozen; only the p output weights aⱼ are fitted, by minimum-norm least squares, on a noisy linear task in five dimensions. Each point averages the seeds. Below the interpolation threshold (as many parameters as training targets: p = n) the model cannot fit every noisy point; at p = n it just can, with huge weights, and the test error peaks; past it the smallest interpolating weights get smoother as p grows and the test error descends a second time. Training errors under 10⁻⁴ (zero up to rounding) are drawn at 10⁻⁴.</source>
        <translation>扫描的是随机特征模型 y ≈ Σ aⱼ relu(wⱼ·x) 的宽度 p：wⱼ 随机抽取后固定不变，只用最小范数最小二乘拟合 p 个输出权重 aⱼ，任务是五维的带噪声线性回归。每个点是各随机种子的平均。在插值阈值（参数个数等于训练目标个数：p = n）以下，模型无法拟合每个带噪声的点；在 p = n 处恰好能拟合，但需要极大的权重，测试误差达到峰值；超过阈值后，随着 p 增大，最小的插值权重越来越平滑，测试误差第二次下降。低于 10⁻⁴ 的训练误差（在舍入误差内为零）画在 10⁻⁴ 处。</translation>
    </message>
</context>
<context>
    <name>LayerStatsWindow</name>
    <message>
        <source>&amp;Inside the layers…</source>
        <translation>深入各层(&amp;I)…</translation>
    </message>
    <message>
        <source>The Network Lab is not ready yet.</source>
        <translation>网络实验室尚未就绪。</translation>
    </message>
    <message>
        <source>On the Network Lab&apos;s task: the “{0}” data, hidden layers {1} ({2}), optimizer {3}, batch size {4}. Two copies train from the same initial weights on the same batches: without batch norm (left) and with it (right).</source>
        <translation>基于网络实验室的任务：“{0}”数据，隐藏层 {1}（{2}），优化器 {3}，批大小 {4}。两个副本从相同的初始权重出发、在相同的批次上训练：左边不用批归一化，右边使用批归一化。</translation>
    </message>
    <message>
        <source>full batch</source>
        <translation>全批量</translation>
    </message>
    <message>
        <source>Training failed: {0}</source>
        <translation>训练失败：{0}</translation>
    </message>
    <message>
        <source>epoch {0} of {1}</source>
        <translation>第 {0} / {1} 个 epoch</translation>
    </message>
    <message>
        <source>log₁₀ |∂L/∂W|</source>
        <translation>log₁₀ |∂L/∂W|</translation>
    </message>
    <message>
        <source>rms {0:.2g}</source>
        <translation>均方根 {0:.2g}</translation>
    </message>
    <message>
        <source>layer {0} pre-activations</source>
        <translation>第 {0} 层激活前的值</translation>
    </message>
    <message>
        <source>mean {0:.2f}, std {1:.2f}</source>
        <translation>均值 {0:.2f}，标准差 {1:.2f}</translation>
    </message>
    <message>
        <source>, saturated {0}</source>
        <translation>，饱和 {0}</translation>
    </message>
    <message>
        <source>, dead {0}</source>
        <translation>，死亡 {0}</translation>
    </message>
    <message>
        <source>Training both networks in the background… {0} of {1} records</source>
        <translation>正在后台训练两个网络… {0} / {1} 条记录</translation>
    </message>
    <message>
        <source>Done: {0} records.</source>
        <translation>完成：{0} 条记录。</translation>
    </message>
    <message>
        <source>Stopped after {0} of {1} records.</source>
        <translation>已停止：完成 {0} / {1} 条记录。</translation>
    </message>
    <message>
        <source>Press Run to train both networks and look inside their layers.</source>
        <translation>点击“运行”训练两个网络并查看它们的各层。</translation>
    </message>
    <message>
        <source>Inside the layers — LossLab</source>
        <translation>深入各层 — LossLab</translation>
    </message>
    <message>
        <source>Epochs:</source>
        <translation>Epoch 数：</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Train both networks on the Network Lab&apos;s task</source>
        <translation>在网络实验室的任务上训练两个网络</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Batch norm off</source>
        <translation>不用批归一化</translation>
    </message>
    <message>
        <source>Batch norm on</source>
        <translation>使用批归一化</translation>
    </message>
    <message>
        <source>Epoch:</source>
        <translation>Epoch：</translation>
    </message>
    <message>
        <source>epoch</source>
        <translation>epoch</translation>
    </message>
    <message>
        <source>training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <source>batch norm off</source>
        <translation>不用批归一化</translation>
    </message>
    <message>
        <source>batch norm on</source>
        <translation>使用批归一化</translation>
    </message>
    <message>
        <source>Each row is one hidden layer. Left histogram: the inputs of the activation function (after batch norm when it is on) over the whole training set, in training mode. Right: the sizes of the entries of the loss&apos;s gradient with respect to the layer&apos;s weights, on a log scale (−3 is 0.001). Saturated: tanh or sigmoid within 1 % of its limits; dead: a ReLU unit that is zero for every sample. Values beyond the fixed bins count in the outermost bins.</source>
        <translation>每一行是一个隐藏层。左边的直方图：激活函数的输入（开启批归一化时取其输出之后的值），在训练模式下统计整个训练集。右边：损失对该层权重的梯度各分量的大小，取对数刻度（−3 表示 0.001）。饱和：tanh 或 sigmoid 的输出距其极限不到 1%；死亡：对所有样本都输出零的 ReLU 单元。超出固定分箱范围的值计入最外侧的分箱。</translation>
    </message>
</context>
</TS>
